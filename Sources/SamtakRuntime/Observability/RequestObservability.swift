import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import Synchronization
import Tracing

/// One middleware for what every HTTP request leaves behind, added first on every Samtak
/// router (so it sees the final status, after the problem mapping):
/// - an access log line: method, route template, status, duration, request id (and the
///   trace id when tracing is on); never the raw path, query, headers or body;
/// - `samtak_http_requests_total{method,route,status}` and
///   `samtak_http_request_duration_seconds{method,route}`;
/// - a server span named `METHOD /route/{template}`, continuing an incoming `traceparent`.
///
/// The route is the matched template (`context.endpointPath`, e.g. `/v1/cases/{id}`) or
/// `unmatched`: ids in a path never become labels or log fields.
public struct RequestObservabilityMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let instruments = HTTPInstruments()

    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        var parent = InstrumentationContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let span = startSpan("\(method) \(route)", context: parent, ofKind: .server)
        span.attributes["http.request.method"] = method
        span.attributes["http.route"] = route
        span.attributes["samtak.request_id"] = context.id
        let status: HTTPResponse.Status
        let response: Response
        do {
            response = try await InstrumentationContext.$current.withValue(span.context) {
                try await next(request, context)
            }
            status = response.status
        } catch {
            status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            finish(method: method, route: route, status: status, started: started, span: span, requestID: context.id)
            throw error
        }
        finish(method: method, route: route, status: status, started: started, span: span, requestID: context.id)
        return response
    }

    private func finish(method: String, route: String, status: HTTPResponse.Status, started: ContinuousClock.Instant,
                        span: any Span, requestID: String) {
        let elapsed = ContinuousClock.now - started
        let code = Int(status.code)
        span.attributes["http.response.status_code"] = code
        if code >= 500 { span.setStatus(SpanStatus(code: .error)) }
        span.end()
        let (counter, timer) = instruments.for(method: method, route: route, status: code)
        counter.increment()
        timer.recordNanoseconds(elapsed.nanoseconds)
        var metadata: Logger.Metadata = [
            "method": "\(method)", "route": "\(route)", "status": "\(code)",
            "duration_ms": "\(LogDuration.milliseconds(elapsed.nanoseconds))", "request_id": "\(requestID)",
        ]
        if let trace = TracePropagationText.traceID(of: span.context) { metadata["trace_id"] = "\(trace)" }
        logger.info("http request", metadata: metadata)
    }
}

enum LogDuration {
    /// "12.3": milliseconds to a tenth, rounded half up (not `String(format:)`, which goes
    /// through NSString on Linux, once per request).
    static func milliseconds(_ nanoseconds: Int64) -> String {
        let tenths = (max(nanoseconds, 0) + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// Counters and timers per (method, route, status), made once each.
final class HTTPInstruments: Sendable {
    private struct Key: Hashable { var method: String; var route: String; var status: Int }
    private let cache = Mutex<[Key: (Counter, Timer)]>([:])

    func `for`(method: String, route: String, status: Int) -> (Counter, Timer) {
        cache.withLock { cache in
            let key = Key(method: method, route: route, status: status)
            if let found = cache[key] { return found }
            let made = (
                Counter(label: "samtak_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))]),
                Timer(label: "samtak_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], preferredDisplayUnit: .seconds)
            )
            cache[key] = made
            return made
        }
    }
}

struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        guard let name = HTTPField.Name(key) else { return nil }
        return carrier[name]
    }
}

enum TracePropagationText {
    /// The trace id of the span in `context` when Samtak's tracer records it.
    static func traceID(of context: InstrumentationContext) -> String? {
        context.spanIdentity?.traceID
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// `/health/live`, `/health/ready` and `/metrics` (Prometheus text; behind a bearer token
/// when `SAMTAK_METRICS_TOKEN` is set), with the request middleware in front of everything
/// added to the router after it. Every service's router starts with this call.
public func addOperationsRoutes<Context: RequestContext>(to router: Router<Context>, dependencies: Dependencies, logger: Logger) {
    router.add(middleware: RequestObservabilityMiddleware<Context>(logger: logger))
    addHealthRoutes(to: router, dependencies: dependencies)
    router.get("/metrics") { request, _ -> Response in
        if let token = Observability.metricsToken {
            let given = request.headers[.authorization] ?? ""
            guard constantTimeEquals(given, "Bearer \(token)") else {
                var headers = HTTPFields()
                headers[.wwwAuthenticate] = "Bearer"
                headers[.contentType] = "text/plain; charset=utf-8"
                return Response(status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "unauthorized\n")))
            }
        }
        let body = await Observability.exposition()
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for index in 0..<max(x.count, y.count) {
        difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
    }
    return difference == 0
}
