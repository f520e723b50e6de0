import DroverModel

/// `GET /metrics`: the server's metrics in the Prometheus text format.
extension ControlPlane {
    /// Reads the figures that are counted at scrape time (devices by status, connected
    /// devices, open sessions, and each device's newest sample when exported) and renders
    /// every metric.
    public func prometheusText() async throws(ServerError) -> String {
        let census = try await devices.census()
        var statuses: [API.DeviceStatus: Int] = [:]
        for entry in census { statuses[entry.device.status, default: 0] += 1 }
        metrics.refresh(
            channels: connectedChannels, longPolls: await heldLongPolls, statuses: statuses, online: census.filter(\.device.online).count)
        metrics.session(.terminal).set(openTerminals)
        metrics.session(.tunnel).set(openTunnels)
        if metrics.exportsDevices {
            metrics.refresh(devices: census.compactMap { entry in entry.sample.map { (entry.device.uuid, entry.device.name, $0) } })
        }
        return metrics.render()
    }
}
