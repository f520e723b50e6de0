import Foundation

/// Host devices a service uses: device nodes, cgroup rules, devices asked of a driver (GPUs),
/// and the runtime.
extension ServiceDecoder {
    /// Reads `devices` in the short form (`HOST[:CONTAINER[:PERMISSIONS]]`) or the long one
    /// (`source`, `target`, `permissions`), into the short form.
    func devices(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "'devices' must be a list")
        }
        var out: [String] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            var entry: String
            if case .mapping = item {
                var fields: [String: String] = [:]
                try ComposeValues.eachKey(item, path: itemPath, else: "") { (key: String, field: YAMLValue, fieldPath: String) throws(ModelError) in
                    guard ["source", "target", "permissions"].contains(key) else {
                        throw ModelError(.unknownKey, at: fieldPath, line: field.line, "unknown device key '\(key)' (source, target, permissions)")
                    }
                    fields[key] = try ComposeValues.string(field, path: fieldPath)
                }
                guard let source = fields["source"] else {
                    throw ModelError(.missing, at: "\(itemPath).source", line: item.line, "a device needs 'source', the device's path on the host")
                }
                entry = source + ":" + (fields["target"] ?? source)
                if let permissions = fields["permissions"] { entry += ":" + permissions }
            } else {
                entry = try ComposeValues.string(item, path: itemPath)
            }
            try ServiceLimits.checkDevice(entry, at: itemPath, line: item.line)
            out.append(entry)
        }
        return out
    }

    /// Reads `device_cgroup_rules`, each checked as the engine would check it.
    func deviceCgroupRules(_ value: YAMLValue, path: String) throws(ModelError) -> [String] {
        let rules = try ComposeValues.stringList(value, path: path)
        for (index, rule) in rules.enumerated() { try DeviceCgroupRule.check(rule, at: "\(path)[\(index)]", line: value.line) }
        return rules
    }

    /// Reads `gpus`: `all`, or a list of requests like those of
    /// `deploy.resources.reservations.devices` whose capabilities always include `gpu`.
    func gpus(_ value: YAMLValue, path: String) throws(ModelError) -> [DeviceRequest] {
        if case .scalar = value {
            let text = try ComposeValues.string(value, path: path)
            guard text == "all" else {
                throw ModelError(.invalidValue, at: path, line: value.line, "gpus '\(text)' must be 'all' or a list of requests")
            }
            return [DeviceRequest(count: DeviceRequest.all, capabilities: [["gpu"]])]
        }
        return try deviceRequests(value, path: path, gpu: true)
    }

    /// Reads a list of device requests: driver, count (a number or `all`), device_ids,
    /// capabilities and options. Without a count or IDs, a request is for all devices, as compose has it.
    func deviceRequests(_ value: YAMLValue, path: String, gpu: Bool) throws(ModelError) -> [DeviceRequest] {
        guard case .sequence(let items, _) = value else {
            throw ModelError(.invalidValue, at: path, line: value.line, "device requests must be a list of mappings")
        }
        var out: [DeviceRequest] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            var request = DeviceRequest(capabilities: [])
            var capabilities: [String] = []
            var counted = false
            try ComposeValues.eachKey(item, path: itemPath, else: "a device request must be a mapping with 'capabilities' and more") {
                (key: String, field: YAMLValue, fieldPath: String) throws(ModelError) in
                switch key {
                case "driver": request.driver = try ComposeValues.string(field, path: fieldPath)
                case "count":
                    counted = true
                    let text = try ComposeValues.string(field, path: fieldPath)
                    if text == "all" {
                        request.count = DeviceRequest.all
                    } else {
                        guard let count = Int(text), count >= 0 else {
                            throw ModelError(.invalidValue, at: fieldPath, line: field.line, "device count '\(text)' must be a number of devices or 'all'")
                        }
                        request.count = count
                    }
                case "device_ids": request.deviceIDs = try ComposeValues.stringList(field, path: fieldPath)
                case "capabilities": capabilities = try ComposeValues.stringList(field, path: fieldPath)
                case "options": request.options = try ComposeValues.keyValues(field, path: fieldPath, what: "device option")
                default:
                    throw ModelError(
                        .unknownKey, at: fieldPath, line: field.line, "unknown device request key '\(key)' (driver, count, device_ids, capabilities, options)")
                }
            }
            if gpu && !capabilities.contains("gpu") { capabilities.append("gpu") }
            request.capabilities = [capabilities]
            if request.count == nil && request.deviceIDs == nil { request.count = DeviceRequest.all }
            if counted, request.deviceIDs != nil {
                throw ModelError(
                    .invalidValue, at: itemPath, line: item.line,
                    "service '\(name)' sets both 'count' and 'device_ids' in one device request; compose refuses both, so set only one")
            }
            try request.validate(at: itemPath, line: item.line)
            out.append(request)
        }
        return out
    }
}
