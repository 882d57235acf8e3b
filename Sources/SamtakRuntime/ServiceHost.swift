import Foundation
import Hummingbird
import Logging
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import ServiceLifecycle

/// What every Samtak process has: configuration, logger, connection pool, producer,
/// outbox and its relay, the dependency checks, and an HTTP server with health endpoints.
/// The executables' `main` builds one, adds their own routes and workers, and runs it.
/// A process that does not use Kafka (`samtak-web`) starts with `usesKafka: false`: no
/// producer, no relay, and readiness does not wait for the broker.
public struct ServiceHost: Sendable {
    public let configuration: RuntimeConfiguration
    public let logger: Logger
    public let pool: PostgresPool
    /// nil when the process does not use Kafka.
    public let producer: KafkaProducer?
    public let dependencies: Dependencies
    public let outbox: Outbox
    /// Timeouts and the connection limit of the HTTP server (`SAMTAK_HTTP_*`).
    public let httpLimits: HTTPServerLimits

    /// Reads the configuration, installs logging, checks librdkafka, creates the pool and
    /// the producer (neither connects yet). Exits with status 2 and a message on a bad setting.
    public static func start(serviceName: String, defaultHTTPPort: Int, usesKafka: Bool = true) -> ServiceHost {
        let configuration: RuntimeConfiguration
        do {
            configuration = try RuntimeConfiguration(serviceName: serviceName, defaultHTTPPort: defaultHTTPPort)
        } catch {
            StandardErrorWriter.write("\(serviceName): \(error)\n")
            exit(2)
        }
        JSONLogHandler.bootstrap(configuration)
        do {
            // Metrics and tracing first: the pool's and producer's instruments bind to them when made.
            Observability.bootstrap(try ObservabilityConfiguration(serviceName: serviceName, environment: configuration.environment),
                                    logger: Logger(label: serviceName))
            let host = try ServiceHost(configuration: configuration, logger: Logger(label: serviceName), usesKafka: usesKafka)
            host.addOperationsCollectors()
            return host
        } catch {
            Logger(label: serviceName).critical("cannot start", metadata: ["error": "\(error)"])
            exit(2)
        }
    }

    public init(configuration: RuntimeConfiguration, logger: Logger, usesKafka: Bool = true) throws {
        if usesKafka { try KafkaLibrary.requireSupportedVersion() }
        self.configuration = configuration
        self.logger = logger
        httpLimits = try HTTPServerLimits(environment: configuration.environment)
        // Every Samtak service runs the host's relay (`makeRelay`), which its pool wakes after
        // each commit that wrote the outbox: its sessions need not NOTIFY (Schema/0007). A
        // NOTIFYing commit holds a database-wide lock until its WAL flush, so commits of
        // NOTIFYing transactions cannot share a flush.
        var postgres = configuration.postgres
        postgres.sessionSettings["samtak.relay_local"] = "on"
        pool = PostgresPool(configuration: postgres, maxConnections: configuration.poolSize, logger: logger)
        producer = usesKafka ? try KafkaProducer(configuration: Self.relayProducer(configuration.kafka), logger: logger) : nil
        dependencies = Dependencies(pool: pool, kafka: usesKafka ? configuration.kafka : nil, logger: logger)
        outbox = Outbox(topics: configuration.topics, source: "/samtak/\(configuration.serviceName.replacingOccurrences(of: "samtak-", with: ""))")
    }

    /// A send that cannot be delivered should fail in seconds, not librdkafka's default five
    /// minutes: the row stays in the outbox and the relay retries (with a new producer if
    /// need be). Explicit settings win.
    static func relayProducer(_ kafka: KafkaConfiguration) -> KafkaConfiguration {
        var kafka = kafka
        if kafka.properties["message.timeout.ms"] == nil { kafka.properties["message.timeout.ms"] = "15000" }
        return kafka
    }

    /// The outbox relay of this process.
    public func makeRelay(_ relayConfiguration: OutboxRelay.Configuration = .init()) -> OutboxRelay {
        guard let producer else { preconditionFailure("a ServiceHost started without Kafka has no relay") }
        return OutboxRelay(pool: pool, producer: producer, kafka: Self.relayProducer(configuration.kafka), topics: configuration.topics,
                    configuration: relayConfiguration, logger: logger)
    }

    /// A consumer applying events through the inbox.
    public func makeConsumer(_ consumerConfiguration: InboxConsumer.Configuration, handler: @escaping InboxHandler) -> InboxConsumer {
        var consumerConfiguration = consumerConfiguration
        consumerConfiguration.assignment = configuration.consumerAssignment
        return InboxConsumer(configuration: consumerConfiguration, pool: pool, kafka: configuration.kafka,
                             topics: configuration.topics, logger: logger, handler: handler)
    }

    /// A router with the request middleware (access log, metrics, spans), the health endpoints and `/metrics`.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        addOperationsRoutes(to: router, dependencies: dependencies, logger: logger)
        return router
    }

    /// Runs the HTTP server and `workers` until SIGTERM/SIGINT, then shuts down gracefully:
    /// the server stops accepting, workers finish what they hold, the producer flushes,
    /// connections close. Workers start once PostgreSQL and the broker answer; until then
    /// `/health/ready` says which one is missing.
    ///
    /// `onListening` is called with the bound port once the server listens (the in-process
    /// tests run a service on port 0 this way).
    public func run<Responder: HTTPResponder>(responder: Responder, workers: [any Service],
                                              onListening: (@Sendable (Int) -> Void)? = nil) async throws
    where Responder.Context: RequestContext, Responder.Context.Source == ApplicationRequestContextSource {
        let gated = workers.map { WhenDependenciesAvailable($0, dependencies: dependencies) as any Service }
        let app = Application(
            responder: responder,
            server: httpLimits.serverBuilder(),
            configuration: httpLimits.applicationConfiguration(address: .hostname(configuration.httpHost, port: configuration.httpPort), logger: logger),
            services: gated,
            onServerRunning: { [logger, configuration] channel in
                onListening?(channel.localAddress?.port ?? configuration.httpPort)
                logger.info("listening", metadata: [
                    "address": "\(channel.localAddress?.description ?? "\(configuration.httpHost):\(configuration.httpPort)")",
                ])
            },
            logger: logger
        )
        logger.info("starting", metadata: producer == nil ? ["postgres": "\(configuration.postgres.endpointDescription)"] : [
            "postgres": "\(configuration.postgres.endpointDescription)", "brokers": "\(configuration.kafka.brokers)",
            "topic_prefix": "\(configuration.topics.prefix)", "librdkafka": "\(KafkaLibrary.versionString)",
            "http_idle_timeout_s": "\(httpLimits.idleTimeoutSeconds)", "http_body_timeout_s": "\(httpLimits.bodyTimeoutSeconds)",
            "http_max_connections": "\(httpLimits.maxConnections)",
        ])
        do {
            try await app.runService()
        } catch {
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            await shutdownClients()
            throw error
        }
        await shutdownClients()
        logger.info("stopped")
    }

    public func run(router: Router<BasicRequestContext>, workers: [any Service]) async throws {
        try await run(responder: router.buildResponder(), workers: workers)
    }

    private func shutdownClients() async {
        Observability.shutdown()
        await dependencies.shutdown()
        await producer?.shutdown()
        await pool.close()
    }
}

/// Starts `inner` once the dependencies answer (or returns at shutdown without starting).
struct WhenDependenciesAvailable: Service {
    let inner: any Service
    let dependencies: Dependencies

    init(_ inner: any Service, dependencies: Dependencies) {
        self.inner = inner
        self.dependencies = dependencies
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await dependencies.waitUntilAvailable()
        }
        if Task.isCancelledOrShuttingDown { return }
        try await inner.run()
    }
}
