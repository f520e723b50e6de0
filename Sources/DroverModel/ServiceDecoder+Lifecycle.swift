import Foundation

/// How a service starts, restarts and reports health: restart, depends_on, healthcheck, pull_policy.
extension ServiceDecoder {
    func restart(_ value: YAMLValue, path: String) throws(ModelError) -> String {
        // `restart: no` unquoted is YAML 1.1's false; compose means the string "no".
        let text = try ComposeValues.string(value, path: path)
        let normalised = text == "false" ? "no" : text
        try ServiceLimits.checkRestart(normalised, at: path, line: value.line)
        return normalised
    }

    func dependsOn(_ value: YAMLValue, path: String) throws(ModelError) -> [String: DependencyCondition] {
        var out: [String: DependencyCondition] = [:]
        switch value {
        case .sequence:
            for dependency in try ComposeValues.stringList(value, path: path) { out[dependency] = .serviceStarted }
        case .mapping(let pairs, _):
            for (dependency, item) in pairs {
                // The long form names its condition: compose's schema requires it.
                guard case .mapping = item, let conditionNode = item["condition"] else {
                    throw ModelError(
                        .missing, at: "\(path).\(dependency)", line: item.line ?? value.line,
                        "depends_on '\(dependency)' needs 'condition: service_started' (or service_healthy, service_completed_successfully) in the long form")
                }
                let text = try ComposeValues.string(conditionNode, path: "\(path).\(dependency).condition")
                guard let condition = DependencyCondition(rawValue: text) else {
                    throw ModelError(
                        .invalidValue, at: "\(path).\(dependency).condition", line: conditionNode.line,
                        "condition '\(text)' must be service_started, service_healthy or service_completed_successfully")
                }
                for (key, field) in item.mappingPairs ?? [] where key != "condition" && !key.hasPrefix("x-") {
                    guard key == "restart" || key == "required" else {
                        throw ModelError(.unknownKey, at: "\(path).\(dependency).\(key)", line: field.line, "unknown depends_on key '\(key)'")
                    }
                    // Both are booleans in compose; `required` is read again when the dependency is left out.
                    _ = try ComposeValues.bool(field, path: "\(path).\(dependency).\(key)")
                }
                out[dependency] = condition
            }
        case .scalar:
            throw ModelError(.invalidValue, at: path, line: value.line, "'depends_on' must be a list of services or a mapping")
        }
        return out
    }

    mutating func healthcheck(_ value: YAMLValue, path: String) throws(ModelError) -> ServiceSpec.Healthcheck? {
        guard case .mapping(let pairs, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'healthcheck' must be a mapping")
        }
        var check = ServiceSpec.Healthcheck(test: [])
        var disabled = false
        for (key, item) in pairs {
            let itemPath = "\(path).\(key)"
            switch key {
            case "test":
                if case .sequence = item {
                    check.test = try ComposeValues.stringList(item, path: itemPath)
                    guard let first = check.test.first, ["CMD", "CMD-SHELL", "NONE"].contains(first) else {
                        throw ModelError(.invalidValue, at: itemPath, line: item.line, "a healthcheck test list must start with CMD, CMD-SHELL or NONE")
                    }
                } else {
                    check.test = ["CMD-SHELL", try ComposeValues.string(item, path: itemPath)]
                }
            case "interval": check.interval = try healthcheckDuration(item, path: itemPath)
            case "timeout": check.timeout = try healthcheckDuration(item, path: itemPath)
            case "start_period": check.startPeriod = try healthcheckDuration(item, path: itemPath)
            case "retries":
                let retries = try ComposeValues.int(item, path: itemPath)
                try ServiceLimits.checkCount(retries, what: "retries", at: itemPath, line: item.line)
                check.retries = retries
            case "disable": disabled = try ComposeValues.bool(item, path: itemPath)
            case "start_interval":
                // Needs engine API 1.44; older engines (dockerd 20.10) ignore it, so it only shapes start-up probing.
                _ = try healthcheckDuration(item, path: itemPath)
                warnings.append("service '\(name)': healthcheck start_interval is not applied (engine API 1.44 needed)")
            default:
                throw ModelError(.unknownKey, at: itemPath, line: item.line, "unknown healthcheck key '\(key)'")
            }
        }
        if disabled {
            if !check.test.isEmpty {
                // Compose accepts both and disables the check; say that the test is not run.
                warnings.append("service '\(name)': healthcheck has 'disable: true', so its 'test' is never run")
            }
            return .init(test: ["NONE"])
        }
        // Without a test the image's own check runs, with the timings given here (the engine
        // reads an empty test as "inherit"); with nothing at all it is as if absent, as in compose.
        if check.test.isEmpty && check.interval == nil && check.timeout == nil && check.startPeriod == nil && check.retries == nil { return nil }
        return check
    }

    func healthcheckDuration(_ value: YAMLValue, path: String) throws(ModelError) -> Int64 {
        let text = try ComposeValues.string(value, path: path)
        let nanoseconds = try ComposeValues.duration(text, path: path, line: value.line)
        try ServiceLimits.checkHealthcheckDuration(nanoseconds, text: text, at: path, line: value.line)
        return nanoseconds
    }

    func pullPolicy(_ value: YAMLValue, path: String) throws(ModelError) -> String? {
        let text = try ComposeValues.string(value, path: path)
        switch text {
        case "always": return "always"
        case "never": return "never"
        case "missing", "if_not_present", "build": return nil
        case "refresh", "daily", "weekly":
            throw ModelError(.unsupported, at: path, line: value.line, "pull_policy '\(text)' is not supported by Drover yet; use always, missing or never")
        case let other where other.hasPrefix("every_"):
            throw ModelError(.unsupported, at: path, line: value.line, "pull_policy '\(other)' is not supported by Drover yet; use always, missing or never")
        default:
            throw ModelError(.invalidValue, at: path, line: value.line, "pull_policy '\(text)' must be always, missing, if_not_present, never or build")
        }
    }

    /// `post_start` or `pre_stop`: a list of hooks, each a command with optional user,
    /// privileged, working_dir and environment.
    func lifecycleHooks(_ value: YAMLValue, path: String) throws(ModelError) -> [ServiceSpec.LifecycleHook] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(
                .invalidValue, at: path, line: value.line, "'\(path.split(separator: ".").last ?? "")' must be a list of hooks, each with 'command'")
        }
        var hooks: [ServiceSpec.LifecycleHook] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard case .mapping(let pairs, _) = item else {
                throw ModelError(.invalidValue, at: itemPath, line: item.line, "a lifecycle hook must be a mapping with 'command'")
            }
            var hook = ServiceSpec.LifecycleHook(command: [])
            for (key, field) in pairs where !key.hasPrefix("x-") {
                let fieldPath = "\(itemPath).\(key)"
                switch key {
                case "command": hook.command = try ComposeValues.command(field, path: fieldPath)
                case "user": hook.user = try ComposeValues.string(field, path: fieldPath)
                case "privileged": hook.privileged = try ComposeValues.bool(field, path: fieldPath)
                case "working_dir": hook.workingDir = try ComposeValues.string(field, path: fieldPath)
                case "environment":
                    let environment = try ComposeValues.keyValues(field, path: fieldPath, what: "environment", fallback: self.environment)
                    hook.environment = environment.isEmpty ? nil : environment
                default:
                    throw ModelError(
                        .unknownKey, at: fieldPath, line: field.line,
                        "unknown lifecycle hook key '\(key)' (command, user, privileged, working_dir, environment)")
                }
            }
            guard !hook.command.isEmpty else {
                throw ModelError(.missing, at: itemPath, line: item.line, "a lifecycle hook needs a 'command'")
            }
            hooks.append(hook)
        }
        return hooks
    }
}
