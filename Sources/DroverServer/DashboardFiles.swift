/// The dashboard's files as the binary holds them: SwiftPM's `.embedInCode("Dashboard")` makes
/// one `PackageResources` array per file, named after the file with '.' and '-' as '_'. Every
/// file of `Sources/DroverServer/Dashboard` is listed here; a test checks that none is missing.
enum DashboardFiles {
    static let all: [(name: String, bytes: [UInt8])] = [
        ("icon.svg", PackageResources.icon_svg),
        ("index.html", PackageResources.index_html),
    ]
}
