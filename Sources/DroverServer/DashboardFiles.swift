/// The dashboard's files as the binary holds them: SwiftPM's `.embedInCode("Dashboard")` makes
/// one `PackageResources` array per file, named after the file with '.' and '-' as '_'. Every
/// file of `Sources/DroverServer/Dashboard` is listed here; a test checks that none is missing.
enum DashboardFiles {
    static let all: [(name: String, bytes: [UInt8])] = [
        ("api.js", PackageResources.api_js),
        ("app.js", PackageResources.app_js),
        ("charts.js", PackageResources.charts_js),
        ("fleet-files.js", PackageResources.fleet_files_js),
        ("icon.svg", PackageResources.icon_svg),
        ("index.html", PackageResources.index_html),
        ("live.js", PackageResources.live_js),
        ("page-admin.js", PackageResources.page_admin_js),
        ("page-device.js", PackageResources.page_device_js),
        ("page-fleet.js", PackageResources.page_fleet_js),
        ("page-fleets.js", PackageResources.page_fleets_js),
        ("page-release.js", PackageResources.page_release_js),
        ("style.css", PackageResources.style_css),
        ("terminal.js", PackageResources.terminal_js),
        ("ui.js", PackageResources.ui_js),
    ]
}
