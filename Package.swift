// swift-tools-version:6.1
// Samtak: interdisciplinary cooperation around children and young people.
// Module map (see README, "Architecture"):
//   SamtakDomain      pure rules, types, recurrence, events (no I/O)
//   SamtakPostgres    PostgreSQL through libpq (CLibPQ)
//   SamtakKafka       Kafka through librdkafka (CRdKafka)
//   SamtakMessaging   CloudEvents envelope, transactional outbox + relay, inbox consumer
//   SamtakRuntime     configuration, logging, health endpoints, migrations, start-up
//   SamtakJOSE        JWS/JWK/JWKS (RS256, ES256, HS256) on OpenSSL's libcrypto
//   SamtakIntake / SamtakScheduler / SamtakNotifier   one library per service
//   SamtakWeb         the browser's server: OpenID Connect sign-in, sessions, pages
//   samtak-intake / samtak-scheduler / samtak-notifier / samtak-web / samtak-admin   thin executables
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "samtak",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "samtak-intake", targets: ["samtak-intake"]),
        .executable(name: "samtak-scheduler", targets: ["samtak-scheduler"]),
        .executable(name: "samtak-notifier", targets: ["samtak-notifier"]),
        .executable(name: "samtak-web", targets: ["samtak-web"]),
        .executable(name: "samtak-admin", targets: ["samtak-admin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),  // already in the graph (Hummingbird)
        // Operations (issue 19): metrics API, Prometheus exposition, tracing API. swift-metrics and
        // swift-distributed-tracing are built for Hummingbird anyway; swift-prometheus adds one module.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // C libraries (system packages; see Deploy/bootstrap for how they are installed).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka"),
        .systemLibrary(name: "COpenSSLCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "CCurlSMTP",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        // HTTP transfers for samtak-web (discovery, JWKS, token endpoint, the intake API).
        .target(name: "CCurlHTTP", dependencies: ["CCurlSMTP"], linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "SamtakJOSE", dependencies: ["COpenSSLCrypto"], swiftSettings: strict),

        .target(name: "SamtakDomain", swiftSettings: strict),
        .target(
            name: "SamtakPostgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakMessaging",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakRuntime",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakKafka", "SamtakMessaging", "COpenSSLCrypto", "SamtakJOSE", "CCurlSMTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        // The SQL more than one service runs: the facts access rules are decided on (intake
        // and notifier) and the reminder jobs (run by the scheduler, driven by the tests of the
        // intake and the notifier). Every statement has one home; services own the rest.
        .target(
            name: "SamtakStore",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakMessaging", "SamtakRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakIntake",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakMessaging", "SamtakRuntime", "SamtakStore", "COpenSSLCrypto", "SamtakJOSE",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("openapi.yaml"), .copy("asyncapi.yaml")],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakScheduler",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakMessaging", "SamtakRuntime", "SamtakStore",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakNotifier",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakMessaging", "SamtakRuntime", "SamtakStore", "CCurlSMTP",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SamtakWeb",
            dependencies: [
                "SamtakDomain", "SamtakPostgres", "SamtakRuntime", "SamtakJOSE", "CCurlSMTP", "CCurlHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Static")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "samtak-web",
            dependencies: ["SamtakWeb"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "samtak-intake",
            dependencies: ["SamtakIntake", "SamtakRuntime"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "samtak-scheduler",
            dependencies: [
                "SamtakScheduler", "SamtakRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "samtak-notifier",
            dependencies: ["SamtakNotifier", "SamtakRuntime"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "samtak-admin",
            dependencies: [
                "SamtakRuntime", "SamtakIntake", "SamtakMessaging", "SamtakPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // Deploy/bench's Swift half: times the planner (pure expansion and materialization).
        .executableTarget(
            name: "samtak-bench",
            dependencies: [
                "SamtakDomain", "SamtakIntake", "SamtakScheduler", "SamtakMessaging", "SamtakPostgres", "SamtakRuntime",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // Shared by the integration tests: configuration from the environment the test
        // command sets, database reset, spawning the built executables.
        .target(
            name: "SamtakTestSupport",
            dependencies: ["SamtakDomain", "SamtakPostgres", "SamtakKafka", "SamtakMessaging", "SamtakRuntime"],
            path: "Tests/SamtakTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "SamtakDomainTests", dependencies: ["SamtakDomain"], swiftSettings: strict),
        .testTarget(name: "SamtakJOSETests", dependencies: ["SamtakJOSE", "SamtakRuntime", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakWebTests", dependencies: ["SamtakWeb", "SamtakJOSE", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakPostgresTests", dependencies: ["SamtakPostgres", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakKafkaTests", dependencies: ["SamtakKafka", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakMessagingTests", dependencies: ["SamtakMessaging", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakIntakeTests", dependencies: ["SamtakIntake", "SamtakStore", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakSchedulerTests", dependencies: ["SamtakScheduler", "SamtakTestSupport"], swiftSettings: strict),
        .testTarget(name: "SamtakNotifierTests", dependencies: ["SamtakNotifier", "SamtakStore", "SamtakTestSupport"], swiftSettings: strict),
        // Issue 19: trace context and export, metrics configuration, the AsyncAPI document.
        .testTarget(
            name: "SamtakOperationsTests",
            dependencies: ["SamtakDomain", "SamtakMessaging", "SamtakRuntime", "SamtakTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SamtakScenarioTests",
            dependencies: ["SamtakIntake", "SamtakScheduler", "SamtakNotifier", "SamtakTestSupport"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
