import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization
import Tracing

/// Metrics and traces of one process (see README, "Operations").
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` | none (tracing off) | OTLP/HTTP base URL; spans go to `<url>/v1/traces` as JSON |
/// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | none | the traces URL itself (wins over the two above) |
/// | `OTEL_EXPORTER_OTLP_HEADERS` (or `_FILE`) | none | extra request headers, `name=value,name=value` (e.g. an API key) |
/// | `OTEL_SERVICE_NAME` | the executable's name | `service.name` of the spans |
/// | `SAMTAK_METRICS_TOKEN` (or `_FILE`) | none | when set, `/metrics` asks for `Authorization: Bearer <token>` |
public struct ObservabilityConfiguration: Sendable {
    /// Where spans are sent; nil: tracing off (no spans are recorded, no `traceparent` travels).
    public var tracesURL: String?
    public var otlpHeaders: [(String, String)]
    public var serviceName: String
    public var metricsToken: String?

    public init(tracesURL: String? = nil, otlpHeaders: [(String, String)] = [], serviceName: String, metricsToken: String? = nil) {
        self.tracesURL = tracesURL
        self.otlpHeaders = otlpHeaders
        self.serviceName = serviceName
        self.metricsToken = metricsToken
    }

    public init(serviceName: String, environment: [String: String]) throws(ConfigurationError) {
        let env = EnvironmentReader(environment)
        self.serviceName = env.string("OTEL_SERVICE_NAME", default: serviceName)
        if let url = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !url.isEmpty {
            tracesURL = try Self.validated(url, variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        } else if let base = [environment["SAMTAK_OTLP_ENDPOINT"], environment["OTEL_EXPORTER_OTLP_ENDPOINT"]].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            let variable = environment["SAMTAK_OTLP_ENDPOINT"]?.isEmpty == false ? "SAMTAK_OTLP_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT"
            var trimmed = try Self.validated(base, variable: variable)
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            tracesURL = trimmed + "/v1/traces"
        } else {
            tracesURL = nil
        }
        otlpHeaders = []
        if let raw = try env.secret("OTEL_EXPORTER_OTLP_HEADERS") {
            for pair in raw.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty,
                      parts[0].utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }),
                      let value = parts[1].removingPercentEncoding, !value.contains("\r"), !value.contains("\n")
                else {
                    throw ConfigurationError(variable: "OTEL_EXPORTER_OTLP_HEADERS", problem: "expected name=value pairs separated by ','")
                }
                otlpHeaders.append((parts[0], value))
            }
        }
        metricsToken = try env.secret("SAMTAK_METRICS_TOKEN")
    }

    static func validated(_ url: String, variable: String) throws(ConfigurationError) -> String {
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
              components.host?.isEmpty == false, components.user == nil, components.password == nil, components.query == nil
        else {
            throw ConfigurationError(variable: variable, problem: "expected an http or https URL without credentials or query")
        }
        return url
    }
}

/// The process's metrics registry (Prometheus text at `/metrics`), its tracer and the
/// collectors that refresh gauges when `/metrics` is read.
///
/// Metrics are recorded through swift-metrics everywhere (labels are codes, route templates,
/// topic names and partition numbers: never ids or personal data) and exposed from one
/// Prometheus registry. ``bootstrap(_:logger:)`` runs once per process, before the pool,
/// producer and workers are made (their metrics are bound to the backend when created).
public enum Observability {
    /// The registry `/metrics` shows.
    public static let registry = PrometheusCollectorRegistry()

    struct Collector: Sendable {
        var name: String
        var collect: @Sendable () async throws -> Void
    }

    private struct State: Sendable {
        var bootstrapped = false
        var exporter: OTLPExporter?
        var collectors: [Collector] = []
        var metricsToken: String?
    }

    private static let state = Mutex(State())

    /// Durations from a millisecond (an inbox transaction, a pool wait) to half a minute (an SMTP send).
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Installs the Prometheus backend for swift-metrics and, if an OTLP endpoint is set, the
    /// tracer. Once per process (a second call does nothing).
    public static func bootstrap(_ configuration: ObservabilityConfiguration, logger: Logger) {
        let first = state.withLock { state -> Bool in
            defer { state.bootstrapped = true }
            state.metricsToken = configuration.metricsToken
            return !state.bootstrapped
        }
        guard first else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        MetricsSystem.bootstrap(factory)
        guard let url = configuration.tracesURL else { return }
        let exporter = OTLPExporter(configuration: .init(
            url: url, headers: configuration.otlpHeaders, serviceName: configuration.serviceName,
            serviceInstance: "\(ProcessInfo.processInfo.hostName):\(getpid())"
        ), logger: logger)
        state.withLock { $0.exporter = exporter }
        InstrumentationSystem.bootstrap(SamtakTracer(exporter: exporter))
        logger.info("tracing on", metadata: ["otlp_traces_url": "\(url)"])
    }

    /// Sends the spans still queued (at shutdown; waits at most `timeout`).
    public static func shutdown(timeout: Duration = .seconds(5)) {
        state.withLock { $0.exporter }?.shutdown(timeout: timeout)
    }

    /// Adds a collector run whenever `/metrics` is read (before the registry is written out),
    /// for gauges read from PostgreSQL or the broker. Each run is bounded (5 s, half Prometheus's
    /// default scrape timeout); one that fails
    /// or times out leaves its gauges as they were and counts `samtak_metrics_collector_failures_total`.
    public static func addCollector(_ name: String, _ collect: @escaping @Sendable () async throws -> Void) {
        state.withLock { $0.collectors.append(Collector(name: name, collect: collect)) }
    }

    static var metricsToken: String? { state.withLock { $0.metricsToken } }

    /// Runs the collectors (side by side, each within 5 s), then writes the registry out.
    public static func exposition() async -> [UInt8] {
        let collectors = state.withLock { $0.collectors }
        await withTaskGroup(of: Void.self) { group in
            for collector in collectors {
                group.addTask {
                    do {
                        try await withTimeout(.seconds(5)) { try await collector.collect() }
                    } catch {
                        Counter(label: "samtak_metrics_collector_failures_total", dimensions: [("collector", collector.name)]).increment()
                    }
                }
            }
        }
        return registry.emitToBuffer()
    }
}
