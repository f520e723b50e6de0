import Foundation
import Logging

/// The log level asked for in `DROVER_LOG_LEVEL` (`trace` … `critical`), if any: one reading
/// for the process's log handler and for the daemon's own logger, which differ only in their
/// defaults (warning for commands, info for `run`).
public enum RequestedLogLevel {
    /// The level named by `DROVER_LOG_LEVEL`, or nil when it is unset or not a level.
    public static var fromEnvironment: Logger.Level? {
        ProcessInfo.processInfo.environment["DROVER_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    }
}
