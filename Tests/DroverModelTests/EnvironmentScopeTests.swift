import DroverModel
import Testing

@Suite("Environment precedence: the narrowest scope wins")
struct EnvironmentScopeTests {
    static let all = [
        ScopedVariable(device: false, service: nil, name: "LEVEL", value: "fleet"),
        ScopedVariable(device: false, service: "web", name: "LEVEL", value: "fleet-web"),
        ScopedVariable(device: true, service: nil, name: "LEVEL", value: "device"),
        ScopedVariable(device: true, service: "web", name: "LEVEL", value: "device-web"),
    ]

    @Test(
        "each scope wins over every broader one, whatever order the variables come in",
        arguments: [
            (0, "fleet", EnvironmentScope.fleet), (1, "fleet-web", .fleetService), (2, "device", .device), (3, "device-web", .deviceService),
        ])
    func narrowestWins(upTo: Int, value: String, scope: EnvironmentScope) {
        let set = Array(Self.all[...upTo])
        for variables in [set, set.reversed()] {
            #expect(EnvironmentScope.resolve(variables, service: "web")["LEVEL"] == ResolvedVariable(value: value, scope: scope))
        }
    }

    @Test("a variable set for one service is not seen by another, which gets the broader value")
    func otherService() {
        let resolved = EnvironmentScope.resolve(Self.all, service: "worker")
        #expect(resolved["LEVEL"] == ResolvedVariable(value: "device", scope: .device))
        let fleetOnly = EnvironmentScope.resolve(Array(Self.all[0...1]), service: "worker")
        #expect(fleetOnly["LEVEL"] == ResolvedVariable(value: "fleet", scope: .fleet))
    }

    @Test("variables of different names resolve independently")
    func names() {
        let variables = Self.all + [ScopedVariable(device: false, service: nil, name: "COLOR", value: "blue")]
        let resolved = EnvironmentScope.resolve(variables, service: "web")
        #expect(resolved.count == 2)
        #expect(resolved["COLOR"] == ResolvedVariable(value: "blue", scope: .fleet))
        #expect(resolved["LEVEL"]?.value == "device-web")
    }
}
