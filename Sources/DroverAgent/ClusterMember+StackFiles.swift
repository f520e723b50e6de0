import DockerEngine
import DroverModel
import Foundation

/// The leader's work on the stack's secrets and configs: each value the stack mounts becomes a
/// Swarm object (see ``StackFiles``), made with the value the server gives this manager, and
/// objects no service uses any more are removed.
extension ClusterMember {
    /// The swarm's objects of the cluster, by kind; nil when the swarm could not list them.
    func clusterFiles(cluster: String) async -> [AppFileKind: [SwarmFileObject]]? {
        var out: [AppFileKind: [SwarmFileObject]] = [:]
        for kind in AppFileKind.allCases {
            do {
                out[kind] = try await engine.swarmFiles(StackFiles.swarmKind(kind), label: "\(ClusterTarget.clusterLabel)=\(cluster)")
            } catch {
                note("listing the swarm's \(kind.section) failed", error)
                return nil
            }
        }
        return out
    }

    /// Makes the objects the stack wants and the swarm lacks; returns the IDs of those it has
    /// then, by kind and object name. Values are fetched only when an object is to be made,
    /// are handed to the engine as they came (base64), and are dropped when this returns:
    /// nothing is written to disk, and nothing of a value is logged.
    func keepFiles(_ stack: ClusterTarget.Stack, cluster: String, existing: [AppFileKind: [SwarmFileObject]]) async -> [AppFileKind: [String: String]] {
        var ids: [AppFileKind: [String: String]] = [:]
        for (kind, objects) in existing {
            for object in objects { ids[kind, default: [:]][object.spec.name] = object.id }
        }
        let absent = StackFiles.wanted(stack).filter { ids[$0.kind]?[$0.object] == nil }.sorted { $0.object < $1.object }
        guard !absent.isEmpty else { return ids }
        let values: [API.DeviceFile]
        do {
            values = try await api.deviceFiles().files
        } catch {
            note("fetching the stack's secrets and configs failed; will retry", error)
            return ids
        }
        for wanted in absent {
            guard
                let value = values.first(where: {
                    $0.app == stack.namespace && $0.kind == wanted.kind && $0.name == wanted.name && $0.version == wanted.version
                })
            else {
                logger.notice("the server gave no value for \(wanted.kind.rawValue) \(wanted.name) (version \(wanted.version.prefix(8))); will retry")
                continue
            }
            let spec = SwarmFileSpec(
                name: wanted.object, labels: StackFiles.labels(wanted, namespace: stack.namespace, cluster: cluster), data: value.value)
            do {
                ids[wanted.kind, default: [:]][wanted.object] = try await engine.createSwarmFile(StackFiles.swarmKind(wanted.kind), spec)
                logger.notice("created swarm \(wanted.kind.rawValue) \(wanted.object)")
            } catch {
                note("creating swarm \(wanted.kind.rawValue) \(wanted.object) failed; will retry", error)
            }
        }
        return ids
    }

    /// Removes the cluster's objects that the stack does not want and no service references
    /// (in its spec or its previous one, which a rollback returns to). One the swarm still
    /// finds in use goes in a later round.
    func removeUnusedFiles(_ stack: ClusterTarget.Stack, existing: [AppFileKind: [SwarmFileObject]], services: [SwarmService]) async {
        let wanted = Set(StackFiles.wanted(stack).map(\.object))
        for (kind, objects) in existing.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let referenced = Set(services.flatMap { StackFiles.referenced($0.spec, kind: kind) + StackFiles.referenced($0.previousSpec, kind: kind) })
            for object in StackFiles.removals(existing: objects, wanted: wanted, referenced: referenced) {
                do {
                    try await engine.removeSwarmFile(StackFiles.swarmKind(kind), id: object.id)
                    logger.notice("removed swarm \(kind.rawValue) \(object.spec.name): no service uses it")
                } catch  where error.isInUse {
                    continue
                } catch {
                    note("removing swarm \(kind.rawValue) \(object.spec.name) failed; will retry", error)
                }
            }
        }
    }
}
