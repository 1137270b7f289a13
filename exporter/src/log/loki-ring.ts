// The shipper's bounded buffer: a fixed-capacity FIFO whose push() on a full ring overwrites (and
// returns) the oldest entry, so memory stays bounded and the freshest lines win.
export class Ring<T> {
  private readonly items: Array<T | undefined>;
  private head = 0;
  length = 0;
  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(x: T): T | undefined {
    let evicted: T | undefined;
    if (this.length === this.capacity) {
      evicted = this.items[this.head];
      this.head = (this.head + 1) % this.capacity;
      this.length--;
    }
    this.items[(this.head + this.length) % this.capacity] = x;
    this.length++;
    return evicted;
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const x = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.length--;
    return x;
  }

  /** Empties the ring; returns how many entries were discarded. */
  clear(): number {
    const n = this.length;
    while (this.shift() !== undefined) {
      /* discard */
    }
    return n;
  }
}
