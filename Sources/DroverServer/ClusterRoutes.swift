import DroverModel
import Hummingbird

/// Cluster mode's routes: people's, to form, show and dissolve clusters, and the devices' one
/// to say what their engine knows of the swarm.
struct ClusterRoutes {
    let plane: ControlPlane

    /// Adds the routes.
    func register(people v1: PeopleRoutes, device: RouterGroup<DroverContext>) {
        v1.get("clusters") { _, _, access in JSONBody.response(try await plane.listClusters(access)) }
        v1.post("clusters") { request, _, access in
            let body = try await JSONBody.decode(API.CreateCluster.self, from: request)
            return JSONBody.response(try await plane.createCluster(access, body), status: .created)
        }
        v1.get("clusters/:cluster") { _, context, access in
            JSONBody.response(try await plane.cluster(access, try context.parameters.require("cluster")))
        }
        v1.get("clusters/:cluster/services") { _, context, access in
            JSONBody.response(try await plane.clusterServices(access, try context.parameters.require("cluster")))
        }
        v1.get("clusters/:cluster/events") { request, context, access in
            let limit = try APIRoutes.integer(request.uri.queryParameters, "limit", in: 1...10_000) ?? 100
            return JSONBody.response(try await plane.clusterEvents(access, try context.parameters.require("cluster"), limit: limit))
        }
        v1.delete("clusters/:cluster") { _, context, access in
            try await plane.removeCluster(access, try context.parameters.require("cluster"))
            return Response(status: .noContent)
        }
        device.put("device/cluster") { request, context in
            let (uuid, fleetID) = try context.requireDeviceIdentity()
            let body = try await JSONBody.decode(API.ClusterMemberReport.self, from: request)
            try await plane.clusterReport(device: uuid, fleet: fleetID, body)
            return Response(status: .noContent)
        }
    }
}
