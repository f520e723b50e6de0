import DroverModel
import Testing

@testable import DroverClient

/// Names people choose reach the server as one path segment or one query value.
@Suite("API paths")
struct RoutePathTests {
    @Test("a name with /, ?, &, = or a space is one path segment")
    func segments() {
        #expect(DroverAPIClient.path("fleets", "a/b?c&d=e f", "keys") == "/v1/fleets/a%2Fb%3Fc%26d%3De%20f/keys")
        #expect(DroverAPIClient.path("devices", "café") == "/v1/devices/caf%C3%A9")
    }

    @Test("query items without a value are left out; tag filters are KEY=VALUE, escaped")
    func query() {
        let filter = API.DeviceFilter(fleet: "lobby", tags: ["site": "hq&1", "floor": "2"], status: .rolledBack)
        #expect(
            DroverAPIClient.path("devices", query: filter.queryItems.map { name, value in (name, Optional(value)) })
                == "/v1/devices?fleet=lobby&tag=floor%3D2&tag=site%3Dhq%261&status=rolled-back")
        #expect(DroverAPIClient.path("env", query: [("fleet", nil), ("device", "kiosk-1")]) == "/v1/env?device=kiosk-1")
    }
}
