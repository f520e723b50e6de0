import DroverModel

extension OpenAPIDocument {
    /// `GET /v1/device/state`: `DroverModel.TargetState` as `Canonical.encode` writes it (the
    /// Swift property names as keys, sorted; optional fields left out; durations in
    /// nanoseconds, sizes in bytes). Every object is closed, so a field added to the model
    /// without a line here fails the document's conformance test.
    static var targetStateSchema: Value {
        typealias S = Schema
        let strings = S.array("Strings", of: S.string("Item"))
        let labels = S.map("Labels", of: S.string("Value"))
        let options = S.map("Options", of: S.string("Value"))
        let nanoseconds = S.integer("Nanoseconds")
        let build = S.object(
            "Build instructions, kept for a push pipeline; the agent never builds", .response,
            [
                S.required("context", S.string("Context directory or URL")),
                S.optional("dockerfile", S.string("Dockerfile path")),
                S.optional("args", S.map("Build arguments", of: S.string("Value"))),
                S.optional("target", S.string("Target stage")),
            ])
        let healthcheck = S.object(
            "Health check", .response,
            [
                S.required("test", S.array("[\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"]", of: S.string("Word"))),
                S.optional("interval", nanoseconds),
                S.optional("timeout", nanoseconds),
                S.optional("retries", S.integer("Retries before unhealthy")),
                S.optional("startPeriod", nanoseconds),
            ])
        let rolling = S.object(
            "deploy.update_config or rollback_config", .response,
            [
                S.optional("parallelism", S.integer("Tasks changed at once (0: all)")), S.optional("delay", nanoseconds),
                S.optional("failureAction", S.string("continue, pause or rollback")), S.optional("monitor", nanoseconds),
                S.optional("maxFailureRatio", ["type": "number", "description": "Share of tasks that may fail"]),
                S.optional("order", S.string("stop-first or start-first")),
            ])
        let swarmDeploy = S.object(
            "What deploy says to a swarm (releases of a fleet in cluster mode only)", .response,
            [
                S.optional("global", S.boolean("One task per node")), S.optional("replicas", S.integer("Tasks of a replicated service")),
                S.optional("constraints", strings), S.optional("spread", strings),
                S.optional("maxReplicasPerNode", S.integer("Most tasks on one node")),
                S.optional("reservedCPUs", ["type": "number", "description": "CPUs reserved"]),
                S.optional("update", rolling), S.optional("rollback", rolling),
                S.optional(
                    "restart",
                    S.object(
                        "deploy.restart_policy", .response,
                        [
                            S.optional("condition", S.string("none, on-failure or any")), S.optional("delay", nanoseconds),
                            S.optional("maxAttempts", S.integer("Most restarts")), S.optional("window", nanoseconds),
                        ])),
                S.optional("endpointMode", S.string("dnsrr; absent is vip")), S.optional("labels", labels),
            ])
        let port = S.object(
            "One published port", .response,
            [
                S.required("target", S.integer("Port in the container")),
                S.optional("published", S.integer("Port on the host; absent for an ephemeral one")),
                S.optional("hostIP", S.string("Host address; absent for all")),
                S.required("protocol", S.string("tcp, udp or sctp")),
                S.optional("mode", S.oneOf("In a Swarm stack: host publishes on the task's node; absent is the ingress routing mesh", ["host"])),
            ])
        let mount = S.object(
            "One mount", .response,
            [
                S.required("type", S.oneOf("Kind of mount", ["volume", "bind", "tmpfs"])),
                S.optional("source", S.string("Volume name as the document declares it, or host path")),
                S.required("target", S.string("Path in the container")),
                S.optional("readOnly", S.boolean("Read-only")),
                S.optional("noCopy", S.boolean("Do not copy image content into a new volume")),
                S.optional("tmpfsSize", S.integer("tmpfs size in bytes")),
                S.optional("createHostPath", S.boolean("Create a missing host path of a bind mount")),
            ])
        let attachment = S.object(
            "How a service joins a network", .response,
            [
                S.optional("aliases", S.array("Extra DNS names", of: S.string("Alias"))), S.optional("ipv4Address", S.string("Static IPv4 address")),
                S.optional("ipv6Address", S.string("Static IPv6 address")),
            ])
        let deviceRequest = S.object(
            "Devices asked of a device driver", .response,
            [
                S.optional("driver", S.string("Driver, e.g. nvidia; absent lets the engine choose")),
                S.optional("count", S.integer("How many devices; -1 for all")),
                S.optional("deviceIDs", strings),
                S.required("capabilities", S.array("Capability sets", of: strings)),
                S.optional("options", options),
            ])
        let hook = S.object(
            "A lifecycle hook, run as docker exec runs a command", .response,
            [
                S.required("command", strings), S.optional("user", S.string("User")), S.optional("privileged", S.boolean("Privileged")),
                S.optional("workingDir", S.string("Working directory")), S.optional("environment", S.map("Extra environment", of: S.string("Value"))),
            ])
        let fileMount = S.object(
            "A secret or config mounted read-only into the container", .response,
            [
                S.required("source", S.string("The app's name for it")), S.required("target", S.string("Absolute path in the container")),
                S.optional("uid", S.string("Owner, a number")), S.optional("gid", S.string("Group, a number")),
                S.optional("mode", S.integer("Permission bits (decimal in JSON); absent is 0444", minimum: 0)),
            ])
        let appFile = S.object(
            "Where a secret's or config's value comes from; the value itself is fetched with GET /v1/device/files", .response,
            [
                S.required("source", S.oneOf("Where the value comes from", ["file", "environment", "content", "external"])),
                S.optional("from", S.string("The file, the variable, or the fleet value's name")),
                S.optional("version", S.string("The value's version (a keyed fingerprint); it changes exactly when the value does")),
            ])
        let ulimit = S.object("A ulimit", .response, [S.required("soft", S.integer("Soft limit")), S.required("hard", S.integer("Hard limit"))])
        let logging = S.object(
            "Logging driver and options", .response, [S.optional("driver", S.string("Driver")), S.optional("options", options)])
        let service = S.object(
            "One service, normalised from the compose document", .response,
            [
                S.optional("image", S.string("Image reference")),
                S.optional("build", build),
                S.optional("command", S.array("Command (exec form)", of: S.string("Word"))),
                S.optional("entrypoint", S.array("Entrypoint (exec form)", of: S.string("Word"))),
                S.optional("environment", S.map("Environment, with fleet and device variables applied", of: S.string("Value"))),
                S.optional("ports", S.array("Published ports, one per host port", of: port)),
                S.optional("expose", S.array("Exposed container ports, e.g. 80/tcp", of: S.string("Port"))),
                S.optional("volumes", S.array("Mounts", of: mount)),
                S.optional("networks", S.map("Networks joined, by the document's name", of: attachment)),
                S.optional("networkMode", S.string("host, none, bridge, service:NAME or container:ID")),
                S.optional("labels", labels),
                S.optional("restart", S.string("no, always, unless-stopped, on-failure or on-failure:N")),
                S.optional(
                    "dependsOn",
                    S.map(
                        "Services this one needs, and how",
                        of: S.oneOf("Condition", ["service_started", "service_healthy", "service_completed_successfully"]))),
                S.optional("healthcheck", healthcheck),
                S.optional("privileged", S.boolean("Privileged mode")),
                S.optional("capAdd", strings),
                S.optional("capDrop", strings),
                S.optional("devices", S.array("Devices, host[:container[:perms]]", of: S.string("Device"))),
                S.optional("deviceRequests", S.array("Devices asked of a device driver (gpus, deploy.resources.reservations.devices)", of: deviceRequest)),
                S.optional("deviceCgroupRules", S.array("Device cgroup rules, TYPE MAJOR:MINOR PERMISSIONS", of: S.string("Rule"))),
                S.optional("runtime", S.string("OCI runtime; absent for the engine's default")),
                S.optional("workingDir", S.string("Working directory")),
                S.optional("user", S.string("User")),
                S.optional("hostname", S.string("Host name")),
                S.optional("domainname", S.string("Domain name")),
                S.optional("tmpfs", S.array("tmpfs mounts, path[:options]", of: S.string("Mount"))),
                S.optional("sysctls", S.map("Kernel parameters", of: S.string("Value"))),
                S.optional("ulimits", S.map("ulimits by name", of: ulimit)),
                S.optional("stopSignal", S.string("Stop signal")),
                S.optional("stopGracePeriod", S.integer("Grace period after the stop signal, in nanoseconds")),
                S.optional("readOnly", S.boolean("Read-only root file system")),
                S.optional("extraHosts", S.array("host:ip entries", of: S.string("Entry"))),
                S.optional("dns", strings),
                S.optional("dnsSearch", strings),
                S.optional("shmSize", S.integer("/dev/shm size in bytes")),
                S.optional("initProcess", S.boolean("Run an init process")),
                S.optional("memoryLimit", S.integer("Memory limit in bytes")),
                S.optional("memoryReservation", S.integer("Memory reservation in bytes")),
                S.optional("cpus", ["type": "number", "description": "CPU limit, e.g. 0.5"]),
                S.optional("pidsLimit", S.integer("Process limit")),
                S.optional("pullPolicy", S.string("always or never; absent is missing")),
                S.optional("platform", S.string("Platform to pull, e.g. linux/arm64")),
                S.optional("logging", logging),
                S.optional("securityOpt", strings),
                S.optional("pid", S.string("PID namespace")),
                S.optional("ipc", S.string("IPC namespace")),
                S.optional("groupAdd", strings),
                S.optional("tty", S.boolean("Allocate a TTY")),
                S.optional("stdinOpen", S.boolean("Keep STDIN open")),
                S.optional("swarm", swarmDeploy),
                S.optional(
                    "replicas",
                    S.integer(
                        "Containers of the service on the device (deploy.replicas, scale); absent is 1", minimum: 0, maximum: ServiceLimits.replicas.upperBound)
                ),
                S.optional("postStart", S.array("Commands run in the container right after it starts", of: hook)),
                S.optional("preStop", S.array("Commands run in the container before it is stopped", of: hook)),
                S.optional("secrets", S.array("Secrets mounted into the container", of: fileMount)),
                S.optional("configs", S.array("Configs mounted into the container", of: fileMount)),
            ])
        let resource = [
            S.optional("driver", S.string("Driver")),
            S.optional("driverOpts", options),
            S.optional("external", S.boolean("Exists outside the app; never created or removed")),
            S.optional("name", S.string("Engine name to use instead of the scoped one")),
            S.optional("labels", labels),
        ]
        let network = S.object(
            "A network of the app", .response,
            resource + [
                S.optional("internal", S.boolean("No outside access")),
                S.optional("attachable", S.boolean("Standalone containers may attach")),
                S.optional("enableIPv6", S.boolean("IPv6")),
                S.optional(
                    "ipam",
                    S.object(
                        "Address management", .response,
                        [
                            S.optional("driver", S.string("IPAM driver")),
                            S.optional(
                                "config",
                                S.array(
                                    "Address pools",
                                    of: S.object(
                                        "An address pool", .response,
                                        [
                                            S.optional("subnet", S.string("Subnet (CIDR)")), S.optional("gateway", S.string("Gateway")),
                                            S.optional("ipRange", S.string("Range handed out (CIDR)")), S.optional("auxAddresses", options),
                                        ]))),
                            S.optional("options", options),
                        ])),
            ])
        let volume = S.object("A named volume of the app", .response, resource)
        let node = S.object(
            "What a node is to be", .response,
            [S.required("device", S.string("Its device")), S.required("role", S.oneOf("Role", ["manager", "worker"])), S.required("labels", labels)])
        let cluster = S.object(
            "The device's part in its fleet's swarm (cluster mode): it runs no apps of its own", .response,
            [
                S.required("id", S.string("The Drover cluster's id")), S.required("name", S.string("Its name")),
                S.required("role", S.oneOf("What the device is to be", ["manager", "worker"])),
                S.optional("advertiseAddress", S.string("The address to advertise (DROVER_SWARM_ADVERTISE_ADDR); absent: the engine's choice")),
                S.optional("initialize", S.boolean("Form the swarm (the first manager, until the server holds the join tokens)")),
                S.optional("heartbeat", nanoseconds),
                S.optional(
                    "join",
                    S.object(
                        "How to join", .response,
                        [S.required("token", S.string("The join token for the role")), S.required("managers", strings)])),
                S.optional(
                    "stack",
                    S.object(
                        "What a manager keeps running: the fleet's release as a stack", .response,
                        [
                            S.required("namespace", S.string("The stack's namespace (the fleet's name)")),
                            S.required("release", S.string("Release id")),
                            S.required("services", S.map("Services by name", of: service)),
                            S.optional("networks", S.map("Networks by the document's name", of: network)),
                            S.optional("volumes", S.map("Named volumes by the document's name", of: volume)),
                            S.optional("secrets", S.map("Secrets by the document's name; the leader makes each version a Swarm secret", of: appFile)),
                            S.optional("configs", S.map("Configs by the document's name; the leader makes each version a Swarm config", of: appFile)),
                        ])),
                S.optional("nodes", S.map("Managers: the fleet's nodes by node ID", of: node)),
            ])
        let app = S.object(
            "One app on the device: a release and what it runs", .response,
            [
                S.required("release", S.string("Release id")),
                S.required("services", S.map("Services by name", of: service)),
                S.optional("networks", S.map("Networks by the document's name", of: network)),
                S.optional("volumes", S.map("Named volumes by the document's name", of: volume)),
                S.optional("secrets", S.map("Secrets by the document's name", of: appFile)),
                S.optional("configs", S.map("Configs by the document's name", of: appFile)),
                S.optional("restarts", S.map("Restart counters by service ('*' for all); a raised counter recreates", of: S.integer("Counter"))),
                S.optional("stopped", S.array("Services that must not run", of: S.string("Service"))),
                S.optional("purges", S.integer("Raised by a purge: remove the app and its volumes once per raise")),
                S.optional("forcedUpdates", S.integer("Raised by a forced update: apply once past update locks")),
                S.optional("retries", S.integer("Raised by a retry: try a rolled-back release again")),
            ])
        return S.object(
            "What the calling device should run", .response,
            [
                S.required("apps", S.map("Apps by name (the fleet's name)", of: app)),
                S.optional("config", S.map("The device's DROVER_* settings from fleet and device variables", of: S.string("Value"))),
                S.optional("cluster", cluster),
            ])
    }
}
