import DroverModel
import Hummingbird

/// The registry's routes: its token service (open: it reads the credential itself, and says
/// how to log in when there is none), the device's pull credentials, and people's routes for
/// fleets' logins to private registries.
struct RegistryRoutes {
    let plane: ControlPlane

    /// Adds the routes.
    func register(open: RouterGroup<DroverContext>, people v1: PeopleRoutes, device: RouterGroup<DroverContext>) {
        open.get("registry/token") { request, context in
            let query = request.uri.queryParameters
            let scopes = query[values: "scope"].flatMap { $0.split(separator: " ") }.map(String.init)
            do {
                let token = try await plane.registryToken(
                    for: context.identity, service: query["service"].map(String.init), scopes: scopes)
                return JSONBody.response(token)
            } catch let error as ServerError where error.code == .unauthorized {
                // docker login reads this header to ask for a user name and password.
                var response = error.response()
                response.headers[.wwwAuthenticate] = #"Basic realm="drover registry""#
                return response
            }
        }
        device.post("device/pull-auth") { request, context in
            let (uuid, fleetID) = try context.requireDeviceIdentity()
            let body = try await JSONBody.decode(API.PullAuthRequest.self, from: request)
            return JSONBody.response(try await plane.pullAuth(device: uuid, fleet: fleetID, image: body.image))
        }
        v1.get("registry") { _, _, access in JSONBody.response(try await plane.registryInfo(access)) }
        BuildRoute.add(to: v1, plane: plane)
        v1.post("registry/gc") { request, _, access in
            let body = try await JSONBody.decode(API.CollectImages.self, from: request)
            return JSONBody.response(try await plane.collectImages(access, body))
        }
        v1.get("fleets/:fleet/registry-logins") { _, context, access in
            JSONBody.response(try await plane.registryLogins(access, fleet: try context.parameters.require("fleet")))
        }
        v1.put("fleets/:fleet/registry-logins") { request, context, access in
            let body = try await JSONBody.decode(API.SetRegistryLogin.self, from: request)
            return JSONBody.response(try await plane.setRegistryLogin(access, fleet: try context.parameters.require("fleet"), body))
        }
        v1.delete("fleets/:fleet/registry-logins/:registry") { _, context, access in
            try await plane.removeRegistryLogin(
                access, fleet: try context.parameters.require("fleet"), registry: try context.parameters.require("registry"))
            return Response(status: .noContent)
        }
    }
}
