import ArgumentParser
import Foundation
import Testing

@testable import DroverCLI

@Suite("drover device provision: hosts, ssh, architectures and the summary")
struct ProvisionTests {
    @Test(
        "a destination gives the user, host, port and device name ssh and the server take",
        arguments: [
            ("root@10.0.0.5", "root", "10.0.0.5", nil, "10.0.0.5"),
            ("pi@rack-3.lan:2222", "pi", "rack-3.lan", 2222, "rack-3.lan-2222"),
            ("edge-1", nil, "edge-1", nil, "edge-1"),
            ("admin@[fd00::5]:22", "admin", "fd00::5", 22, "fd00--5"),
            ("fd00::7", nil, "fd00::7", nil, "fd00--7"),
        ] as [(String, String?, String, Int?, String)])
    func destinations(text: String, user: String?, host: String, port: Int?, name: String) throws {
        let target = try ProvisionTarget.parse(text)
        #expect(target.user == user)
        #expect(target.host == host)
        #expect(target.port == port)
        #expect(target.name == name)
    }

    @Test(
        "a bad destination is refused with what is wrong",
        arguments: [
            ("root@host:0", "port must be a number from 1 to 65535, not '0'"),
            ("root@host:70000", "not '70000'"),
            ("root@host:ssh", "not 'ssh'"),
            ("@host", "the user before '@' is empty"),
            ("root@", "no host"),
            ("root@[fd00::1", "'[' without ']'"),
            ("root@-oProxyCommand=x", "cannot start with '-'"),
        ])
    func badDestinations(text: String, message: String) {
        #expect {
            try ProvisionTarget.parse(text)
        } throws: { error in
            (error as? ValidationError)?.message.contains(message) == true
        }
    }

    @Test("a hosts file: comments and blank lines skipped, names from name=, errors carry the line number")
    func hostsFile() throws {
        let text = """
            # the rack
            root@10.0.0.11            name=edge-a
            root@10.0.0.12:2222   # a second sshd

            pi@10.0.0.13 name=edge-c
            """
        let targets = try ProvisionTarget.hostsFile(text, path: "hosts.txt")
        #expect(targets.map(\.name) == ["edge-a", "10.0.0.12-2222", "edge-c"])
        #expect(targets.map(\.label) == ["root@10.0.0.11", "root@10.0.0.12:2222", "pi@10.0.0.13"])

        func message(_ text: String) -> String? {
            do {
                _ = try ProvisionTarget.hostsFile(text, path: "hosts.txt")
                return nil
            } catch {
                return (error as? ValidationError)?.message
            }
        }
        #expect(message("root@a\n\nroot@b:99999\n") == "hosts.txt line 3: 'root@b:99999': the port must be a number from 1 to 65535, not '99999'")
        #expect(message("root@a\nroot@b role=db\n") == "hosts.txt line 2: unknown word 'role=db' (only name=NAME may follow the host)")
        #expect(message("root@a\n# x\nroot@a\n") == "hosts.txt line 3: root@a is already on line 1")
        #expect(message("root@a name=x\nroot@b name=x\n") == "hosts.txt line 2: device name 'x' is already used on line 1")
        #expect(message("root@a name=bad/name\n") == "hosts.txt line 1: name 'bad/name' must be 1-64 letters, digits, '.', '_' or '-'")
        #expect(try ProvisionTarget.hostsFile("# nothing\n\n", path: "h").isEmpty)
    }

    @Test("ssh checks host keys and runs in batch mode; the options the user gave are passed")
    func sshArguments() throws {
        let target = try ProvisionTarget.parse("pi@10.0.0.5:2222")
        let strict = SSHOptions(identity: "/keys/id", knownHosts: "/keys/known").arguments(for: target, command: "sh -c 'true'")
        #expect(strict.suffix(4) == ["pi", "--", "10.0.0.5", "sh -c 'true'"])
        let options = strict.joined(separator: " ")
        #expect(options.contains("-o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=yes"))
        #expect(options.contains("-o UserKnownHostsFile=/keys/known -i /keys/id -p 2222 -l pi"))
        let acceptNew = SSHOptions(acceptNew: true).arguments(for: try ProvisionTarget.parse("edge"), command: "true")
        #expect(acceptNew.contains("StrictHostKeyChecking=accept-new"))
        #expect(!acceptNew.contains("-p") && !acceptNew.contains("-l") && !acceptNew.contains("-i"))
    }

    @Test("the provisioning key goes only into the config on standard input, never into any command line of any step")
    func keyNeverOnACommandLine() throws {
        let key = "drk_" + String(repeating: "s3cr3t", count: 6)
        let target = try ProvisionTarget.parse("root@10.0.0.5")
        var host = RemoteHost(target: target, options: SSHOptions(identity: "/k", knownHosts: "/kh"))
        let scripts = [
            ProvisionScripts.probe(upgrade: false), ProvisionScripts.probe(upgrade: true), ProvisionScripts.installEngine, ProvisionScripts.installAgent,
            ProvisionScripts.writeConfig,
            ProvisionScripts.installUnit, ProvisionScripts.installSupervisor, ProvisionScripts.restart(systemd: true),
            ProvisionScripts.restart(systemd: false), ProvisionScripts.start(systemd: true), ProvisionScripts.start(systemd: false),
            ProvisionScripts.waitForIdentity(seconds: 120), ProvisionScripts.logTail(systemd: true), ProvisionScripts.logTail(systemd: false),
        ]
        for sudo in [false, true] {
            host.sudo = sudo
            for script in scripts {
                let argv = ["ssh"] + host.options.arguments(for: target, command: host.command(script))
                #expect(!argv.contains { $0.contains(key) })
            }
        }
        let config = try JSONSerialization.jsonObject(with: ProvisionScripts.config(server: "http://10.0.0.1:8080", provisioningKey: key, deviceName: "edge"))
        let fields = try #require(config as? [String: String])
        #expect(fields["provisioningKey"] == key)
        #expect(fields["engine"] == "unix:///var/run/docker.sock")
        #expect(fields["stateDir"] == "/var/lib/drover")
        #expect(fields["deviceName"] == "edge")
    }

    @Test("a script reaches the remote sh whole, whatever quotes it holds")
    func quoting() {
        #expect(RemoteHost.quoted("echo 'a' \"b\" $c") == #"'echo '\''a'\'' "b" $c'"#)
    }

    @Test(
        "uname -m maps to Docker's architecture names",
        arguments: [("x86_64", "amd64"), ("aarch64", "arm64"), ("armv7l", "arm"), ("i686", nil), ("riscv64", nil)] as [(String, String?)])
    func architectures(machine: String, arch: String?) {
        #expect(ProvisionArch.fromUname(machine) == arch)
    }

    @Test("an ELF header names its machine; anything else names none")
    func elf() {
        func header(machine: UInt16) -> Data {
            var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 9) + [2, 0]
            bytes += [UInt8(machine & 0xFF), UInt8(machine >> 8)]
            return Data(bytes)
        }
        #expect(ProvisionArch.ofELF(header(machine: 62)) == "amd64")
        #expect(ProvisionArch.ofELF(header(machine: 183)) == "arm64")
        #expect(ProvisionArch.ofELF(header(machine: 40)) == "arm")
        #expect(ProvisionArch.ofELF(header(machine: 243)) == nil)
        #expect(ProvisionArch.ofELF(Data("#!/bin/sh\necho not an agent\n".utf8)) == nil)
        #expect(ProvisionArch.ofELF(Data([0x7F, 0x45])) == nil)
    }

    @Test("the summary lists every host in order, says why each failed host failed, and counts the results")
    func summary() {
        let reports = [
            ProvisionReport(host: "root@10.0.0.11", arch: "amd64", device: "10.0.0.11", uuid: "u1", result: .provisioned, seconds: 12.34),
            ProvisionReport(host: "root@10.0.0.12", arch: "arm64", device: "edge-b", uuid: "u2", result: .unchanged, seconds: 0.9),
            ProvisionReport(
                host: "root@10.0.0.15", arch: nil, device: "10.0.0.15", uuid: nil, result: .failed, seconds: 0.05, step: .connect,
                reason: "ssh: connect to host 10.0.0.15 port 22: Connection refused"),
        ]
        #expect(
            ProvisionSummary.table(reports) == """
                HOST            ARCH   DEVICE     RESULT       SECONDS
                root@10.0.0.11  amd64  10.0.0.11  provisioned  12.3
                root@10.0.0.12  arm64  edge-b     unchanged    0.9
                root@10.0.0.15  -      10.0.0.15  failed       0.1

                root@10.0.0.15: connect: ssh: connect to host 10.0.0.15 port 22: Connection refused

                3 hosts: 1 provisioned, 1 unchanged, 1 failed
                """)
        #expect(
            ProvisionProgress.resultLine(reports[2]) == "root@10.0.0.15: failed at connect: ssh: connect to host 10.0.0.15 port 22: Connection refused (0.1 s)")
    }

    @Test("the command refuses bad input before it connects anywhere")
    func badInput() throws {
        func refusal(_ arguments: [String]) -> String? {
            do {
                let command = try ProvisionCommand.parse(arguments)
                try command.validate()
                _ = try command.targets()
                return nil
            } catch {
                return ProvisionCommand.message(for: error)
            }
        }
        #expect(refusal(["--fleet", "f"])?.contains("name the hosts with --ssh") == true)
        #expect(refusal(["--fleet", "f", "--ssh", "a", "--parallel", "0"])?.contains("--parallel must be from 1 to 256, not 0") == true)
        #expect(refusal(["--fleet", "f", "--ssh", "a", "--parallel", "257"])?.contains("not 257") == true)
        #expect(refusal(["--fleet", "f", "--ssh", "root@a:x"])?.contains("--ssh 'root@a:x': the port must be") == true)
        #expect(refusal(["--fleet", "f", "--ssh", "a", "--ssh", "a"])?.contains("--ssh a is given twice") == true)
        #expect(refusal(["--fleet", "f", "--hosts", "/nonexistent/hosts"])?.contains("cannot read the hosts file /nonexistent/hosts") == true)
        #expect(refusal(["--fleet", "f", "--ssh", "a", "--ssh", "b"]) == nil)
    }

    @Test("the embedded systemd unit is packaging/systemd/drover-agent.service")
    func unitIsThePackagedOne() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let packaged = try String(contentsOf: repository.appendingPathComponent("packaging/systemd/drover-agent.service"), encoding: .utf8)
        #expect(ProvisionScripts.systemdUnitTemplate == packaged)
        #expect(ProvisionScripts.systemdUnit.contains("ExecStart=/usr/local/bin/drover-agent run --config /etc/drover/agent.json"))
        #expect(!ProvisionScripts.systemdUnit.contains("@BINDIR@") && !ProvisionScripts.systemdUnit.contains("@CONFDIR@"))
    }
}
