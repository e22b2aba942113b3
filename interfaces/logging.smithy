// wasmcloud:builtin:logging — log lines served by the host itself (reference §2.5).
namespace org.wasmcloud.interface.logging

use org.wasmcloud.model#wasmbus

/// Host-provided logging.
@wasmbus(
    contractId: "wasmcloud:builtin:logging",
    providerReceive: true )
service Logging {
  version: "0.1",
  operations: [ WriteLog ]
}

/// Writes one log line.
operation WriteLog {
  input: LogEntry,
}

structure LogEntry {
  /// One of debug, info, warn, error.
  // a missing level logs at debug, as unknown levels do
  @required
  @default("debug")
  level: String,
  @required
  text: String,
}
