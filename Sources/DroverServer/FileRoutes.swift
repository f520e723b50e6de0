import DroverModel
import Hummingbird

/// The routes of secrets and configs: people keep a fleet's own; a device fetches the values
/// its apps mount.
struct FileRoutes {
    let plane: ControlPlane

    /// Adds the routes.
    func register(people v1: PeopleRoutes, device: RouterGroup<DroverContext>) {
        let files = plane.files
        for kind in AppFileKind.allCases {
            v1.get("fleets/:fleet/\(kind.section)") { _, context, access in
                JSONBody.response(try await files.list(access, fleet: try context.parameters.require("fleet"), kind: kind))
            }
            v1.put("fleets/:fleet/\(kind.section)/:name") { request, context, access in
                let body = try await JSONBody.decode(API.SetFleetFile.self, from: request)
                return JSONBody.response(
                    try await files.set(
                        access, fleet: try context.parameters.require("fleet"), kind: kind, name: try context.parameters.require("name"), body))
            }
            v1.delete("fleets/:fleet/\(kind.section)/:name") { _, context, access in
                try await files.remove(access, fleet: try context.parameters.require("fleet"), kind: kind, name: try context.parameters.require("name"))
                return Response(status: .noContent)
            }
        }
        v1.get("fleets/:fleet/configs/:name") { _, context, access in
            JSONBody.response(try await files.showConfig(access, fleet: try context.parameters.require("fleet"), name: try context.parameters.require("name")))
        }
        device.get("device/files") { _, context in
            let (uuid, fleetID) = try context.requireDeviceIdentity()
            return JSONBody.response(try await files.forDevice(uuid: uuid, fleetID: fleetID))
        }
    }
}
