// The OTLP logs messages the receiver reads (POST /v1/logs), declared for protobufjs like the trace
// and metrics ones in schema-protos.ts: names, numbers and types from opentelemetry-proto v1.11.0
// (logs/v1/logs.proto and collector/logs/v1/logs_service.proto), only the fields read.

export const LOGS = `
syntax = "proto3";
package opentelemetry.proto.logs.v1;

message ResourceLogs {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
}
message ScopeLogs { repeated LogRecord log_records = 2; }
message LogRecord {
  fixed64 time_unix_nano = 1;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 6;
  string event_name = 12;
}
`;

export const COLLECTOR_LOGS = `
syntax = "proto3";
package opentelemetry.proto.collector.logs.v1;

message ExportLogsServiceRequest { repeated opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess {
  int64 rejected_log_records = 1;
  string error_message = 2;
}
`;
