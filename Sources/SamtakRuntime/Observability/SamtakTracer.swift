import Foundation
import Synchronization
import Tracing

/// A span's place in a trace: W3C trace id (16 bytes), span id (8 bytes) and the sampled flag.
public struct SpanIdentity: Sendable, Hashable {
    public var traceIDHigh: UInt64
    public var traceIDLow: UInt64
    public var spanID: UInt64
    public var sampled: Bool

    public init(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64, sampled: Bool = true) {
        self.traceIDHigh = traceIDHigh
        self.traceIDLow = traceIDLow
        self.spanID = spanID
        self.sampled = sampled
    }

    /// 32 lowercase hex digits.
    public var traceID: String { Self.hex(traceIDHigh) + Self.hex(traceIDLow) }
    /// 16 lowercase hex digits.
    public var spanIDHex: String { Self.hex(spanID) }

    /// `00-<trace id>-<span id>-<flags>` (W3C Trace Context, version 00).
    public var traceparent: String { "00-\(traceID)-\(spanIDHex)-\(sampled ? "01" : "00")" }

    /// Parses a `traceparent` header: version 00 exactly (four fields), or a later version
    /// (its first four fields; W3C asks parsers to accept them). All-zero ids and version ff
    /// are invalid. Upper-case hex is refused, as the specification requires.
    public init?(traceparent: String) {
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0].utf8.count == 2, let version = Self.parse(fields[0]), version != 0xff,
              version != 0 || fields.count == 4,
              fields[1].utf8.count == 32, fields[2].utf8.count == 16, fields[3].utf8.count == 2,
              let high = Self.parse(fields[1].prefix(16)), let low = Self.parse(fields[1].suffix(16)),
              let span = Self.parse(fields[2]), let flags = Self.parse(fields[3]),
              high != 0 || low != 0, span != 0
        else { return nil }
        self.init(traceIDHigh: high, traceIDLow: low, spanID: span, sampled: flags & 1 == 1)
    }

    static func parse(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return UInt64(text, radix: 16)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func random(parent: SpanIdentity?) -> SpanIdentity {
        var generator = SystemRandomNumberGenerator()
        var span: UInt64 = 0
        while span == 0 { span = generator.next() }
        if let parent {
            return SpanIdentity(traceIDHigh: parent.traceIDHigh, traceIDLow: parent.traceIDLow, spanID: span, sampled: parent.sampled)
        }
        var high: UInt64 = 0, low: UInt64 = 0
        while high == 0 && low == 0 { (high, low) = (generator.next(), generator.next()) }
        return SpanIdentity(traceIDHigh: high, traceIDLow: low, spanID: span, sampled: true)
    }
}

/// The span context carried in an `InstrumentationContext`.
enum SpanIdentityKey: InstrumentationContextKey {
    typealias Value = SpanIdentity
    static let nameOverride: String? = "samtak.span"
}

extension InstrumentationContext {
    /// The span (local or remote) that new spans in this context are children of.
    public var spanIdentity: SpanIdentity? {
        get { self[SpanIdentityKey.self] }
        set { self[SpanIdentityKey.self] = newValue }
    }
}

/// A span as it is exported.
struct FinishedSpan: Sendable {
    var identity: SpanIdentity
    var parentSpanID: UInt64?
    var name: String
    var kind: SpanKind
    var startNanoseconds: UInt64
    var endNanoseconds: UInt64
    var attributes: [(String, ExportedAttribute)]
    var events: [(name: String, nanoseconds: UInt64, attributes: [(String, ExportedAttribute)])]
    var links: [SpanIdentity]
    var status: (code: Int, message: String?)
}

/// An attribute value the OTLP encoder writes.
enum ExportedAttribute: Sendable {
    case string(String), int(Int64), double(Double), bool(Bool), strings([String])

    init(_ attribute: SpanAttribute) {
        switch attribute {
        case .int32(let value): self = .int(Int64(value))
        case .int64(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .bool(let value): self = .bool(value)
        case .string(let value): self = .string(value)
        case .stringArray(let value): self = .strings(value)
        case .int32Array(let value): self = .strings(value.map(String.init))
        case .int64Array(let value): self = .strings(value.map(String.init))
        case .doubleArray(let value): self = .strings(value.map { "\($0)" })
        case .boolArray(let value): self = .strings(value.map { "\($0)" })
        case .stringConvertible(let value): self = .string(value.description)
        case .stringConvertibleArray(let value): self = .strings(value.map(\.description))
        default: self = .string("")
        }
    }

    static func list(_ attributes: SpanAttributes) -> [(String, ExportedAttribute)] {
        var out: [(String, ExportedAttribute)] = []
        attributes.forEach { name, value in out.append((name, ExportedAttribute(value))) }
        return out.sorted { $0.0 < $1.0 }
    }
}

/// Samtak's tracer: W3C trace context for propagation (`traceparent`), spans handed to an
/// exporter when they end. Every span is recorded (parent-based: a remote parent that was
/// not sampled is not recorded either). Thread-safe; spans may start and end on any thread.
public final class SamtakTracer: Tracer, Sendable {
    public typealias Span = SamtakSpan
    let exporter: any SpanExporter

    init(exporter: any SpanExporter) {
        self.exporter = exporter
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> SamtakSpan {
        var context = context()
        let parent = context.spanIdentity
        let identity = SpanIdentity.random(parent: parent)
        context.spanIdentity = identity
        return SamtakSpan(name: operationName, kind: kind, context: context, identity: identity, parent: parent?.spanID,
                          start: instant().nanosecondsSinceEpoch, exporter: identity.sampled ? exporter : nil)
    }

    public func forceFlush() { exporter.flush() }

    public func inject<Carrier, Inject: Injector>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let identity = context.spanIdentity else { return }
        injector.inject(identity.traceparent, forKey: "traceparent", into: &carrier)
    }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier), let identity = SpanIdentity(traceparent: header) else { return }
        context.spanIdentity = identity
    }
}

/// A span of ``SamtakTracer``.
public final class SamtakSpan: Tracing.Span, Sendable {
    public let context: InstrumentationContext
    let identity: SpanIdentity
    let parent: UInt64?
    let kind: SpanKind
    let start: UInt64
    let exporter: (any SpanExporter)?

    private struct State {
        var name: String
        var attributes = SpanAttributes()
        var events: [SpanEvent] = []
        var links: [SpanIdentity] = []
        var status: SpanStatus?
        var ended = false
    }
    private let state: Mutex<State>

    init(name: String, kind: SpanKind, context: InstrumentationContext, identity: SpanIdentity, parent: UInt64?, start: UInt64,
         exporter: (any SpanExporter)?) {
        self.context = context
        self.identity = identity
        self.parent = parent
        self.kind = kind
        self.start = start
        self.exporter = exporter
        self.state = Mutex(State(name: name))
    }

    public var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { exporter != nil && !state.withLock { $0.ended } }

    public func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }

    public func addEvent(_ event: SpanEvent) { state.withLock { $0.events.append(event) } }

    /// Records the error's type only: error descriptions may carry data the trace must not hold.
    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        var attributes = attributes
        attributes["exception.type"] = "\(type(of: error))"
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: attributes))
    }

    public func addLink(_ link: SpanLink) {
        guard let identity = link.context.spanIdentity else { return }
        state.withLock { $0.links.append(identity) }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = instant().nanosecondsSinceEpoch
        guard let snapshot = state.withLock({ state -> State? in
            if state.ended { return nil }
            state.ended = true
            return state
        }), let exporter else { return }
        exporter.export(FinishedSpan(
            identity: identity, parentSpanID: parent, name: snapshot.name, kind: kind, startNanoseconds: start, endNanoseconds: max(end, start),
            attributes: ExportedAttribute.list(snapshot.attributes),
            events: snapshot.events.map { ($0.name, $0.nanosecondsSinceEpoch, ExportedAttribute.list($0.attributes)) },
            links: snapshot.links,
            status: snapshot.status.map { ($0.code == .error ? 2 : 1, $0.message) } ?? (0, nil)
        ))
    }
}

/// Where ended spans go.
protocol SpanExporter: Sendable {
    func export(_ span: FinishedSpan)
    func flush()
}
