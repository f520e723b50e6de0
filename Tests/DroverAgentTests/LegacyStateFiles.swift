/// State files written by the agent before the rollout lifecycle and the command ledger
/// (main at acce536), copied from the state directories of real runs against dockerd: a
/// fleet with a good release (4 s window), a forced update, a purge, an unhealthy release
/// rolled back and retried; a fleet whose first release was unhealthy; a fleet whose release
/// waited on a slow dependency.
enum LegacyStateFiles {
    /// `history-APP.json`: good only, after a release passed its window.
    static let goodOnly =
        #"{"good":{"networks":{"default":{}},"release":"7d65cf604724","services":{"web":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"environment":{"MARKER":"good"},"healthcheck":{"interval":500000000,"retries":2,"test":["CMD","sh","-c","true"]},"image":"127.0.0.1:5055/drover/busybox:1","labels":{"io.drover.update.health-window":"4s"},"networks":{"default":{}},"restart":"unless-stopped","stopGracePeriod":1000000000}}}}"#

    /// `history-APP.json`: good, after `drover device update --force`.
    static let goodForced =
        #"{"forcedUpdates":1,"good":{"forcedUpdates":1,"networks":{"default":{}},"release":"7d65cf604724","services":{"web":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"environment":{"MARKER":"good"},"healthcheck":{"interval":500000000,"retries":2,"test":["CMD","sh","-c","true"]},"image":"127.0.0.1:5055/drover/busybox:1","labels":{"io.drover.update.health-window":"4s"},"networks":{"default":{}},"restart":"unless-stopped","stopGracePeriod":1000000000}}}}"#

    /// `history-APP.json`: inside a health window (watching with convergedAt).
    static let watchingConverged =
        #"{"watching":{"convergedAt":817366375.6871612,"release":"7d65cf604724","target":{"networks":{"default":{}},"release":"7d65cf604724","services":{"web":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"environment":{"MARKER":"good"},"healthcheck":{"interval":500000000,"retries":2,"test":["CMD","sh","-c","true"]},"image":"127.0.0.1:5055/drover/busybox:1","labels":{"io.drover.update.health-window":"4s"},"networks":{"default":{}},"restart":"unless-stopped","stopGracePeriod":1000000000}}},"window":4}}"#

    /// `history-APP.json`: converging, held by a slow dependency (watching without convergedAt).
    static let watchingConverging =
        #"{"watching":{"release":"aa1a9de103b4","target":{"networks":{"default":{}},"release":"aa1a9de103b4","services":{"gate":{"command":["sh","-c","trap 'exit 0' TERM; sleep 25; touch /tmp/ready; while true; do sleep 1; done"],"healthcheck":{"interval":1000000000,"retries":60,"test":["CMD","test","-f","/tmp/ready"]},"image":"127.0.0.1:5055/drover/busybox:1","networks":{"default":{}},"stopGracePeriod":1000000000},"late":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"dependsOn":{"gate":"service_healthy"},"image":"127.0.0.1:5055/drover/busybox:1","networks":{"default":{}},"stopGracePeriod":1000000000},"web":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"environment":{"MARKER":"good"},"healthcheck":{"interval":500000000,"retries":2,"test":["CMD","sh","-c","true"]},"image":"127.0.0.1:5055/drover/busybox:1","labels":{"io.drover.update.health-window":"30s"},"networks":{"default":{}},"restart":"unless-stopped","stopGracePeriod":1000000000}}},"window":120}}"#

    /// `history-APP.json`: rolled back to the good release (failed with rolledBackTo), after a forced update.
    static let failedRolledBack =
        #"{"failed":{"reason":"service web is unhealthy: health check exited with code 1: database unreachable","release":"354acd23f33c","retries":0,"rolledBackTo":"7d65cf604724"},"forcedUpdates":1,"good":{"forcedUpdates":1,"networks":{"default":{}},"purges":1,"release":"7d65cf604724","services":{"web":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"environment":{"MARKER":"good"},"healthcheck":{"interval":500000000,"retries":2,"test":["CMD","sh","-c","true"]},"image":"127.0.0.1:5055/drover/busybox:1","labels":{"io.drover.update.health-window":"4s"},"networks":{"default":{}},"restart":"unless-stopped","stopGracePeriod":1000000000}}}}"#

    /// `history-APP.json`: rolled back again after `drover device retry` (retries 1).
    static let failedRetried =
        #"{"failed":{"reason":"service web is unhealthy: health check exited with code 1: database unreachable","release":"354acd23f33c","retries":1,"rolledBackTo":"7d65cf604724"},"forcedUpdates":1,"good":{"forcedUpdates":1,"networks":{"default":{}},"purges":1,"release":"7d65cf604724","services":{"web":{"command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"],"environment":{"MARKER":"good"},"healthcheck":{"interval":500000000,"retries":2,"test":["CMD","sh","-c","true"]},"image":"127.0.0.1:5055/drover/busybox:1","labels":{"io.drover.update.health-window":"4s"},"networks":{"default":{}},"restart":"unless-stopped","stopGracePeriod":1000000000}}}}"#

    /// `history-APP.json`: failed with no earlier healthy release (failed without rolledBackTo).
    static let failedNoGood =
        #"{"failed":{"reason":"service web is unhealthy: health check exited with code 1: database unreachable","release":"453b91983045","retries":0}}"#

    /// `purges.json` after one `drover device purge` of app `a`.
    static let purges = #"{"a":1}"#
}
