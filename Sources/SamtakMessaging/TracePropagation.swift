import Tracing

/// W3C trace context (`traceparent`) as it travels with an event: stored with its outbox
/// row, sent as the CloudEvents `traceparent` extension (Kafka header `ce_traceparent`),
/// continued by the consumer. Only the tracing API is used here; the tracer that formats and
/// parses the header is the process's (SamtakRuntime's, when tracing is configured). Without
/// one nothing is recorded and nothing travels.
public enum TracePropagation {
    public static let key = "traceparent"

    /// The `traceparent` of `context` (by default the current one), or nil when no span is active.
    public static func traceparent(of context: InstrumentationContext? = InstrumentationContext.current) -> String? {
        guard let context else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier[key]
    }

    /// The context a `traceparent` stands for (a remote parent for new spans), or nil when
    /// there is none, it does not parse, or no tracer runs.
    public static func context(traceparent: String?) -> InstrumentationContext? {
        guard let traceparent, !traceparent.isEmpty else { return nil }
        var context = InstrumentationContext.topLevel
        InstrumentationSystem.instrument.extract([key: traceparent], into: &context, using: DictionaryExtractor())
        return context.isEmpty ? nil : context
    }
}

public struct DictionaryInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

public struct DictionaryExtractor: Extractor {
    public init() {}
    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
