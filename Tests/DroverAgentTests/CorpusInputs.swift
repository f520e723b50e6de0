/// What the users of the real compose files have beside them, so that the coverage test runs
/// each file as its project's install steps run it. The files they read are under
/// `Tests/corpus/real-inputs/<file>/`; `Tests/corpus/real-inputs/README.md` says where each
/// value and file came from.
enum CorpusInputs {
    /// Variables for interpolation, by real file: what the upstream project's `.env`, example
    /// env file or install script gives (a placeholder such as `192.168.178.X` filled in).
    static let variables: [String: [String: String]] = [
        // docker/awesome-compose pihole-cloudflared-DoH/.env
        "04-docker-awesome-compose-pihole-cloudflared-DoH.yml": [
            "TIMEZONE": "Etc/UTC", "PIHOLE_PW": "changeit", "PIHOLE_ROUTER_IP": "192.168.178.1",
            "PIHOLE_NETWORK_DOMAIN": "fritz.box", "PIHOLE_REVERSE_DNS": "192.168.178.0/24", "PIHOLE_HOST_IP": "192.168.178.2",
            "PIHOLE_HOST_IPV6": "",
        ],
        // stefanprodan/swarmprom README: `ADMIN_USER=admin ADMIN_PASSWORD=admin SLACK_URL=... docker stack deploy`
        "30-stefanprodan-swarmprom.yml": [
            "ADMIN_USER": "admin", "ADMIN_PASSWORD": "admin", "SLACK_URL": "https://hooks.slack.com/services/TOKEN",
            "SLACK_CHANNEL": "devops-alerts", "SLACK_USER": "alertmanager",
        ],
        // immich-app/immich docker/example.env, which users copy to .env beside the compose file
        "33-immich-app-immich.yml": immichExampleEnv,
        "40-immich-app-immich-dev.yml": immichExampleEnv,
        // n8n-io/self-hosted-ai-starter-kit .env.example
        "34-n8n-io-self-hosted-ai-starter-kit.yml": ["POSTGRES_USER": "root", "POSTGRES_PASSWORD": "password", "POSTGRES_DB": "n8n"],
        // getsentry/self-hosted .env (the commented-out settings left out)
        "37-getsentry-self-hosted.yml": [
            "COMPOSE_PROJECT_NAME": "sentry-self-hosted", "COMPOSE_PROFILES": "feature-complete", "SENTRY_EVENT_RETENTION_DAYS": "90",
            "LAUNCHPAD_RPC_SHARED_SECRET": "supersecret", "SENTRY_BIND": "9000", "SENTRY_TASKWORKER_CONCURRENCY": "4",
            "SENTRY_IMAGE": "ghcr.io/getsentry/sentry:nightly", "SNUBA_IMAGE": "ghcr.io/getsentry/snuba:nightly",
            "RELAY_IMAGE": "ghcr.io/getsentry/relay:nightly", "SYMBOLICATOR_IMAGE": "ghcr.io/getsentry/symbolicator:nightly",
            "TASKBROKER_IMAGE": "ghcr.io/getsentry/taskbroker:nightly", "VROOM_IMAGE": "ghcr.io/getsentry/vroom:nightly",
            "UPTIME_CHECKER_IMAGE": "ghcr.io/getsentry/uptime-checker:nightly", "LAUNCHPAD_IMAGE": "ghcr.io/getsentry/launchpad:nightly",
            "HEALTHCHECK_INTERVAL": "30s", "HEALTHCHECK_TIMEOUT": "1m30s", "HEALTHCHECK_RETRIES": "10", "HEALTHCHECK_START_PERIOD": "10s",
            "HEALTHCHECK_FILE_INTERVAL": "60s", "HEALTHCHECK_FILE_TIMEOUT": "10s", "HEALTHCHECK_FILE_RETRIES": "3",
            "HEALTHCHECK_FILE_START_PERIOD": "600s",
        ],
        // thingsboard/thingsboard docker/.env; JAVA_OPTS is left empty there, as most users leave it
        "42-thingsboard-thingsboard.yml": [
            "DOCKER_REPO": "thingsboard", "JS_EXECUTOR_DOCKER_NAME": "tb-js-executor", "TB_NODE_DOCKER_NAME": "tb-node",
            "WEB_UI_DOCKER_NAME": "tb-web-ui", "MQTT_TRANSPORT_DOCKER_NAME": "tb-mqtt-transport",
            "HTTP_TRANSPORT_DOCKER_NAME": "tb-http-transport", "COAP_TRANSPORT_DOCKER_NAME": "tb-coap-transport",
            "LWM2M_TRANSPORT_DOCKER_NAME": "tb-lwm2m-transport", "SNMP_TRANSPORT_DOCKER_NAME": "tb-snmp-transport",
            "TB_VC_EXECUTOR_DOCKER_NAME": "tb-vc-executor", "TB_VERSION": "latest", "LOAD_BALANCER_NAME": "haproxy-certbot",
            "JAVA_OPTS": "",
        ],
        // compose-spec/compose-go's golden test sets these; any tag and port will do
        "43-fixture-compose-spec-compose-go-web-stack.yml": ["GOLDEN_TAG": "1.0", "GOLDEN_PORT": "8080"],
        // PostHog bin/deploy-hobby: the .env it writes (secrets stand-ins of the same form)
        "45-PostHog-posthog-hobby.yml": [
            "POSTHOG_SECRET": String(repeating: "3f", count: 28), "ENCRYPTION_SALT_KEYS": String(repeating: "a1", count: 16),
            "DOMAIN": "posthog.example.com", "TLS_BLOCK": "", "REGISTRY_URL": "posthog/posthog", "CADDY_TLS_BLOCK": "",
            "CADDY_HOST": "posthog.example.com, http://, https://", "POSTHOG_APP_TAG": "latest",
        ],
    ]

    /// Profiles the user activates: `docker compose --profile`, or `COMPOSE_PROFILES` in `.env`.
    static let profiles: [String: Set<String>] = [
        // The README's command for a machine without an NVIDIA GPU: `docker compose --profile cpu up`.
        "34-n8n-io-self-hosted-ai-starter-kit.yml": ["cpu"],
        "37-getsentry-self-hosted.yml": ["feature-complete"],
    ]

    private static let immichExampleEnv = [
        "UPLOAD_LOCATION": "./library", "DB_DATA_LOCATION": "./postgres", "IMMICH_VERSION": "release", "DB_PASSWORD": "postgres",
        "DB_USERNAME": "postgres", "DB_DATABASE_NAME": "immich",
    ]
}
