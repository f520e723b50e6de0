import DroverClient
import Testing

@Suite("Which proxy the environment names")
struct ProxyEnvironmentTests {
    @Test("an http server goes through HTTP_PROXY or http_proxy, an https one through HTTPS_PROXY")
    func byScheme() {
        #expect(ProxyEnvironment.proxy(for: "http://srv:8080", environment: ["HTTP_PROXY": "http://proxy:3128"])! == ("proxy", 3128))
        #expect(ProxyEnvironment.proxy(for: "http://srv:8080", environment: ["http_proxy": "proxy:8000"])! == ("proxy", 8000))
        #expect(ProxyEnvironment.proxy(for: "https://srv", environment: ["HTTPS_PROXY": "http://p.example:443"])! == ("p.example", 443))
        #expect(ProxyEnvironment.proxy(for: "https://srv", environment: ["HTTP_PROXY": "http://proxy:3128"]) == nil)
        #expect(ProxyEnvironment.proxy(for: "http://srv", environment: [:]) == nil)
        #expect(ProxyEnvironment.proxy(for: "http://srv", environment: ["HTTP_PROXY": ""]) == nil)
    }

    @Test("NO_PROXY exempts a host, its subdomains, or everything")
    func exemptions() {
        let proxy = ["HTTP_PROXY": "http://proxy:3128"]
        #expect(ProxyEnvironment.proxy(for: "http://srv.lan:1", environment: proxy.merging(["NO_PROXY": "other, .lan"]) { $1 }) == nil)
        #expect(ProxyEnvironment.proxy(for: "http://a.srv.lan:1", environment: proxy.merging(["no_proxy": "srv.lan"]) { $1 }) == nil)
        #expect(ProxyEnvironment.proxy(for: "http://127.0.0.1:1", environment: proxy.merging(["NO_PROXY": "*"]) { $1 }) == nil)
        #expect(ProxyEnvironment.proxy(for: "http://notsrv.lan:1", environment: proxy.merging(["NO_PROXY": "srv.lan"]) { $1 }) != nil)
    }
}
