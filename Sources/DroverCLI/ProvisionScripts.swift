import Foundation

/// Where provisioning puts things on a host; the agent's own defaults, as in
/// `packaging/systemd/agent.json.example`.
enum ProvisionPaths {
    static let binDirectory = "/usr/local/bin"
    static let configDirectory = "/etc/drover"
    static let agent = binDirectory + "/drover-agent"
    static let supervisor = binDirectory + "/drover-agent-supervise"
    static let config = configDirectory + "/agent.json"
    static let stateDirectory = "/var/lib/drover"
    static let identity = stateDirectory + "/identity.json"
    static let logDirectory = "/var/log/drover"
    static let log = logDirectory + "/agent.log"
    static let unit = "/etc/systemd/system/drover-agent.service"
    static let supervisorPID = "/run/drover-agent-supervise.pid"
    static let engine = "unix:///var/run/docker.sock"
}

/// What a probe of a host found: one `key=value` a line from ``ProvisionScripts/probe``.
struct HostFacts: Sendable, Equatable {
    var os = ""
    var machine = ""
    var distribution = ""
    var root = false
    var docker = false
    var engineAnswers = false
    var systemd = false
    var crontab = false
    var aptGet = false
    /// The installed agent's sha256, if there is one.
    var agentSHA256: String?
    /// The device's UUID from its identity, if it enrolled.
    var uuid: String?
    /// Whether the agent's service (or supervisor) runs.
    var running = false

    /// Reads the probe's output; unknown keys are ignored (a newer probe, an older CLI).
    init(probe output: String) {
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals]
            let value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            let yes = value == "yes"
            switch key {
            case "os": os = value
            case "machine": machine = value
            case "distribution": distribution = value
            case "root": root = yes
            case "docker": docker = yes
            case "engine": engineAnswers = yes
            case "systemd": systemd = yes
            case "crontab": crontab = yes
            case "apt": aptGet = yes
            case "agent": agentSHA256 = value.isEmpty ? nil : value
            case "uuid": uuid = value.isEmpty ? nil : value
            case "running": running = yes
            default: continue
            }
        }
    }

    init() {}
}

/// The POSIX sh that provisioning runs on a host, one script per step. None holds a secret:
/// the config (with the provisioning key) and the files go through ssh's standard input.
enum ProvisionScripts {
    /// Says what the host is and what of Drover it has, as `key=value` lines. Only the `uuid`
    /// field of the identity is read: the file also holds the device's API key. The installed
    /// agent's sha256 (a second of CPU for a debug build) is taken only where it is used: on a
    /// host not yet enrolled (to skip an identical copy), or for `--upgrade`.
    static func probe(upgrade: Bool) -> String {
        """
        echo "os=$(uname -s)"
        echo "machine=$(uname -m)"
        echo "distribution=$( (. /etc/os-release 2>/dev/null && echo "${ID:-}") )"
        [ "$(id -u)" = 0 ] && echo root=yes
        command -v docker >/dev/null 2>&1 && echo docker=yes
        # A hung engine must not hang the probe.
        limit=; command -v timeout >/dev/null 2>&1 && limit="timeout 15"
        [ -S /var/run/docker.sock ] && $limit docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && echo engine=yes
        [ -d /run/systemd/system ] && echo systemd=yes
        command -v crontab >/dev/null 2>&1 && echo crontab=yes
        command -v apt-get >/dev/null 2>&1 && echo apt=yes
        if [ -f \(ProvisionPaths.agent) ] && { \(upgrade) || [ ! -s \(ProvisionPaths.identity) ]; }; then
          echo "agent=$(sha256sum \(ProvisionPaths.agent) 2>/dev/null | cut -d' ' -f1)"
        fi
        [ -s \(ProvisionPaths.identity) ] && echo "uuid=$(sed -n 's/.*"uuid" *: *"\\([^"]*\\)".*/\\1/p' \(ProvisionPaths.identity) 2>/dev/null)"
        if [ -d /run/systemd/system ]; then
          systemctl is-active --quiet drover-agent 2>/dev/null && echo running=yes
        else
          [ -x \(ProvisionPaths.supervisor) ] && \(ProvisionPaths.supervisor) status 2>/dev/null && echo running=yes
        fi
        exit 0
        """
    }

    /// Debian's `docker.io`, started (systemd starts it by itself; without it, in the
    /// background as the package's init script would).
    static let installEngine = """
        set -e
        export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
        apt-get update -qq >/dev/null
        apt-get install -y -qq docker.io >/dev/null
        if [ -d /run/systemd/system ]; then
          systemctl enable --now docker >/dev/null 2>&1 || systemctl start docker
        elif ! docker version >/dev/null 2>&1; then
          service docker start >/dev/null 2>&1 || (setsid nohup dockerd </dev/null >>/var/log/dockerd.log 2>&1 &)
        fi
        i=0
        until docker version >/dev/null 2>&1; do
          i=$((i + 1)); [ $i -lt 60 ] || { echo "docker.io is installed but its engine does not answer" >&2; exit 1; }
          sleep 1
        done
        """

    /// Streams standard input into the agent binary, replaced atomically; prints its size
    /// (ssh's MAC guards the bytes; the size catches a stream cut short).
    static let installAgent = """
        set -e
        umask 022
        mkdir -p \(ProvisionPaths.binDirectory)
        cat > \(ProvisionPaths.agent).new
        chmod 755 \(ProvisionPaths.agent).new
        wc -c < \(ProvisionPaths.agent).new
        mv -f \(ProvisionPaths.agent).new \(ProvisionPaths.agent)
        """

    /// Standard input into the config, 0600 from its first byte (umask before the file exists).
    static let writeConfig = """
        set -e
        umask 077
        mkdir -p \(ProvisionPaths.configDirectory) \(ProvisionPaths.stateDirectory)
        cat > \(ProvisionPaths.config).new
        chmod 600 \(ProvisionPaths.config).new
        mv -f \(ProvisionPaths.config).new \(ProvisionPaths.config)
        """

    /// Standard input into the systemd unit; the agent (re)started and enabled for boot.
    static let installUnit = """
        set -e
        cat > \(ProvisionPaths.unit).new
        mv -f \(ProvisionPaths.unit).new \(ProvisionPaths.unit)
        systemctl daemon-reload
        systemctl enable drover-agent >/dev/null 2>&1
        systemctl restart drover-agent
        """

    /// Standard input into the supervisor, which is (re)started detached, and kept across
    /// reboots by an `@reboot` line in root's crontab where there is a crontab.
    static let installSupervisor = """
        set -e
        umask 022
        mkdir -p \(ProvisionPaths.binDirectory) \(ProvisionPaths.logDirectory)
        cat > \(ProvisionPaths.supervisor).new
        chmod 755 \(ProvisionPaths.supervisor).new
        [ ! -x \(ProvisionPaths.supervisor) ] || \(ProvisionPaths.supervisor) stop
        mv -f \(ProvisionPaths.supervisor).new \(ProvisionPaths.supervisor)
        \(ProvisionPaths.supervisor) start
        if command -v crontab >/dev/null 2>&1; then
          { crontab -l 2>/dev/null | grep -v drover-agent-supervise || true; echo "@reboot \(ProvisionPaths.supervisor) start"; } | crontab -
        fi
        """

    /// Restarts the agent after its binary was replaced.
    static func restart(systemd: Bool) -> String {
        systemd
            ? "systemctl restart drover-agent"
            : "set -e; \(ProvisionPaths.supervisor) stop; \(ProvisionPaths.supervisor) start"
    }

    /// Starts the agent's service (or supervisor) where it is installed but not running.
    static func start(systemd: Bool) -> String {
        systemd ? "systemctl start drover-agent" : "\(ProvisionPaths.supervisor) start"
    }

    /// Waits up to `seconds` for the agent to enrol, then prints only the identity's UUID.
    static func waitForIdentity(seconds: Int) -> String {
        """
        i=0
        while [ ! -s \(ProvisionPaths.identity) ]; do
          i=$((i + 1)); [ $i -le \(seconds * 2) ] || { echo "the agent did not enrol in \(seconds) s" >&2; exit 1; }
          sleep 0.5
        done
        sed -n 's/.*"uuid" *: *"\\([^"]*\\)".*/\\1/p' \(ProvisionPaths.identity)
        """
    }

    /// The agent's last log lines, for a failure's reason.
    static func logTail(systemd: Bool, lines: Int = 5) -> String {
        systemd
            ? "journalctl -u drover-agent -n \(lines) --no-pager -o cat 2>/dev/null"
            : "tail -n \(lines) \(ProvisionPaths.log) 2>/dev/null"
    }

    /// The supervisor for hosts without systemd: restarts the agent when it exits, waiting
    /// longer after each quick exit (1 s, doubling to 60 s), logs to /var/log/drover/agent.log
    /// (copied to agent.log.1 and emptied past 10 MB), and stops the agent on `stop`.
    static let supervisor = """
        #!/bin/sh
        # drover-agent-supervise: keeps drover-agent running on a host without systemd; installed
        # by `drover device provision`. start: run detached (also from root's crontab at @reboot);
        # stop: stop it and the agent; status: whether it runs; run: supervise in the foreground.
        agent=\(ProvisionPaths.agent)
        config=\(ProvisionPaths.config)
        log=\(ProvisionPaths.log)
        pidfile=\(ProvisionPaths.supervisorPID)
        maxlog=10485760

        running() {
          pid=$(cat "$pidfile" 2>/dev/null) || return 1
          [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q drover-agent-supervise "/proc/$pid/cmdline" 2>/dev/null
        }
        say() { echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') drover-agent-supervise: $*" >>"$log"; }

        case "${1:-run}" in
        start)
          running && exit 0
          mkdir -p "$(dirname "$log")"
          if command -v setsid >/dev/null 2>&1; then
            setsid nohup "$0" run </dev/null >/dev/null 2>&1 &
          else
            nohup "$0" run </dev/null >/dev/null 2>&1 &
          fi
          i=0
          until running; do
            i=$((i + 1)); [ $i -lt 50 ] || { echo "the supervisor did not start; see $log" >&2; exit 1; }
            sleep 0.1
          done
          ;;
        stop)
          running || exit 0
          kill "$(cat "$pidfile")"
          i=0
          while running; do
            i=$((i + 1)); [ $i -lt 400 ] || { echo "the supervisor did not stop in 40 s" >&2; exit 1; }
            sleep 0.1
          done
          ;;
        status)
          running
          ;;
        run)
          umask 077
          echo $$ >"$pidfile"
          export DROVER_LOG_LEVEL="${DROVER_LOG_LEVEL:-info}"
          stopping=
          child=
          trap 'stopping=1; [ -z "$child" ] || kill "$child" 2>/dev/null' TERM INT
          delay=1
          while [ -z "$stopping" ]; do
            started=$(date +%s)
            "$agent" run --config "$config" >>"$log" 2>&1 &
            child=$!
            while kill -0 "$child" 2>/dev/null; do
              sleep 5 &
              wait $! 2>/dev/null
              if [ "$(wc -c <"$log")" -gt $maxlog ]; then cp "$log" "$log.1" && : >"$log"; fi
            done
            wait "$child"
            code=$?
            child=
            [ -z "$stopping" ] || break
            if [ $(($(date +%s) - started)) -ge 60 ]; then delay=1; elif [ $delay -lt 60 ]; then delay=$((delay * 2)); fi
            say "drover-agent exited with status $code; starting it again in $delay s"
            sleep "$delay" &
            wait $! 2>/dev/null
          done
          say "stopped"
          rm -f "$pidfile"
          ;;
        *)
          echo "usage: $0 start|stop|status|run" >&2
          exit 2
          ;;
        esac

        """

    /// `packaging/systemd/drover-agent.service` with `@BINDIR@` and `@CONFDIR@` filled in.
    static var systemdUnit: String {
        systemdUnitTemplate.replacingOccurrences(of: "@BINDIR@", with: ProvisionPaths.binDirectory)
            .replacingOccurrences(of: "@CONFDIR@", with: ProvisionPaths.configDirectory)
    }

    /// The text of `packaging/systemd/drover-agent.service`, which the CLI cannot read at run
    /// time; a test checks that the two are the same.
    static let systemdUnitTemplate = """
        # Drover's device agent: enrols with the provisioning key in @CONFDIR@/agent.json, then runs
        # on the local container engine what the server says. Installed by scripts/install; write the
        # config (see @CONFDIR@/agent.json.example), then enable with
        #   systemctl daemon-reload && systemctl enable --now drover-agent
        [Unit]
        Description=Drover device agent
        Wants=network-online.target
        After=network-online.target docker.service
        ConditionPathExists=@CONFDIR@/agent.json

        [Service]
        Type=exec
        ExecStart=@BINDIR@/drover-agent run --config @CONFDIR@/agent.json
        Environment=DROVER_LOG_LEVEL=info
        # The apps run in the engine's cgroup, so they keep running while the agent stops or
        # restarts; it picks them up again from the engine.
        TimeoutStopSec=30
        Restart=on-failure
        RestartSec=5

        # The agent drives the engine over its socket, which is root-equivalent; these options guard
        # the host against the agent itself, not against what the engine runs. Its identity, saved
        # target and log spool live in /var/lib/drover (the config's stateDir).
        StateDirectory=drover
        StateDirectoryMode=0700
        UMask=0077
        NoNewPrivileges=yes
        CapabilityBoundingSet=
        AmbientCapabilities=
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        PrivateDevices=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
        RestrictNamespaces=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        MemoryDenyWriteExecute=yes
        SystemCallArchitectures=native
        SystemCallFilter=@system-service

        [Install]
        WantedBy=multi-user.target

        """

    /// The agent's config: the provisioning key goes only here, and this goes only through
    /// ssh's standard input.
    static func config(server: String, provisioningKey: String, deviceName: String) throws -> Data {
        struct Config: Encodable {
            var server: String
            var provisioningKey: String
            var deviceName: String
            var engine: String
            var stateDir: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            Config(
                server: server, provisioningKey: provisioningKey, deviceName: deviceName, engine: ProvisionPaths.engine,
                stateDir: ProvisionPaths.stateDirectory))
    }
}
