import DroverModel
import Foundation
import Testing

@testable import DroverCLI

/// How `drover device list` and `drover device show` read for a device in each status.
@Suite("device list and show text")
struct DeviceViewTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let good = "11111111-aaaa-4aaa-8aaa-111111111111"
    static let refused = "22222222-bbbb-4bbb-8bbb-222222222222"

    /// A device as the server would describe it in `status`: after a rollback it runs the good
    /// release and its rollout names the refused one.
    static func device(_ status: API.DeviceStatus) -> API.Device {
        let rollout: API.Rollout? =
            switch status {
            case .rolledBack: API.Rollout(release: refused, outcome: .rolledBack, reason: "web: health check failed 3 times")
            case .running: API.Rollout(release: good, outcome: .healthy)
            default: nil
            }
        let runs = status == .failed || status == .provisioned || status == .idle ? nil : good
        return API.Device(
            uuid: "abcdef0123456789abcdef0123456789", name: "kiosk-1", fleet: "lobby", architecture: "arm64", tags: ["site": "hq", "floor": "2"],
            online: true, lastSeen: now.addingTimeInterval(-42), release: runs, targetRelease: status == .running ? good : refused, pinnedRelease: nil,
            status: status, statusDetail: status == .failed ? "pulling registry.local/web:2: not found" : nil,
            services: runs.map { ["web": API.ServiceState(release: $0, status: .running, containerID: "0123456789abcdef0123", health: .healthy)] },
            rollout: rollout)
    }

    /// The cells of the device's row in `device list`, by column title.
    static func row(_ device: API.Device) throws -> [String: String] {
        let lines = DeviceView.table([device], now: now).split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        let header = lines[0].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        // Cells are separated by two spaces or more; "update pending" has one inside.
        let cells = lines[1].components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        try #require(header.count == cells.count)
        return Dictionary(uniqueKeysWithValues: zip(header, cells))
    }

    @Test("device list shows each status word, the release the device runs and when it was seen", arguments: API.DeviceStatus.allCases)
    func listRow(status: API.DeviceStatus) throws {
        let device = Self.device(status)
        let row = try Self.row(device)
        #expect(row["STATUS"] == status.rawValue)
        #expect(row["RELEASE"] == device.release ?? "-")
        #expect(row["NAME"] == "kiosk-1" && row["UUID"] == "abcdef0" && row["SEEN"] == "42s ago")
    }

    @Test("a rolled-back device is listed with the good release it runs, not the one it refused")
    func rolledBackRow() throws {
        let row = try Self.row(Self.device(.rolledBack))
        #expect(row["STATUS"] == "rolled-back")
        #expect(row["RELEASE"] == Self.good)
        #expect(row["TARGET"] == Self.refused)
    }

    @Test("device show names the refused release and why after a rollback")
    func rolledBackSheet() {
        let sheet = DeviceView.sheet(Self.device(.rolledBack), now: Self.now)
        #expect(sheet.contains("status:       rolled-back, runs the last good release \(Self.good); refused \(Self.refused): web: health check failed 3 times"))
        #expect(sheet.contains("rollout:      \(Self.refused) rolled-back: web: health check failed 3 times"))
    }

    @Test("device show says a failed device runs nothing good, and why")
    func failedSheet() {
        let sheet = DeviceView.sheet(Self.device(.failed), now: Self.now)
        #expect(sheet.contains("status:       failed, runs nothing good: pulling registry.local/web:2: not found"))
        #expect(sheet.contains("release:      none"))
        #expect(!sheet.contains("SERVICE"))
    }

    @Test("device show lists identity, tags, pin and services for every status", arguments: API.DeviceStatus.allCases)
    func sheet(status: API.DeviceStatus) {
        let device = Self.device(status)
        let sheet = DeviceView.sheet(device, now: Self.now)
        #expect(sheet.contains("name:         kiosk-1"))
        #expect(sheet.contains("uuid:         abcdef0123456789abcdef0123456789"))
        #expect(sheet.contains("online:       yes, seen 42s ago"))
        #expect(sheet.contains("tags:         floor=2, site=hq"))
        #expect(sheet.contains("pinned:       no, tracks its fleet"))
        #expect(sheet.contains("status:       \(status.rawValue)"))
        if device.services != nil {
            #expect(sheet.contains("web      running  healthy  \(Self.good)  0123456789ab"))
        }
    }

    @Test("a pinned target is marked in the list")
    func pinned() throws {
        var device = Self.device(.running)
        device.pinnedRelease = Self.good
        #expect(try Self.row(device)["TARGET"] == "\(Self.good) (pinned)")
        #expect(DeviceView.sheet(device, now: Self.now).contains("pinned:       to \(Self.good)"))
    }

    @Test("device show marks a service the device refuses as failed and says why under the table")
    func refusedServiceSheet() {
        var device = Self.device(.failed)
        let why = "failed: the engine has no device driver 'nvidia' for capabilities [gpu] (is the NVIDIA container toolkit installed?)"
        device.services = ["gpu": API.ServiceState(release: Self.good, status: .created, containerID: "0123456789abcdef", health: nil, failure: why)]
        let sheet = DeviceView.sheet(device, now: Self.now)
        let row = sheet.split(separator: "\n").first { $0.hasPrefix("gpu ") }.map(String.init) ?? ""
        #expect(row.contains("failed") && !row.contains("created"), "\(sheet)")
        #expect(sheet.contains("\ngpu: \(why)"))
    }
}
