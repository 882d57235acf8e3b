import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

/// What an operator sees of the running system (issue 19): one trace from a teacher's
/// submission through the scheduler to the notifier's SMTP sends, received by an OTLP/HTTP
/// collector; `/metrics` on every service; an access log line per request; and the events
/// the system emitted checked against the AsyncAPI document it serves.
@Suite("Scenarios: traces, metrics, access log and AsyncAPI of the running system", .serialized, .timeLimit(.minutes(5)))
struct ObservabilityScenarioTests {
    @Test("a teacher's POST, the scheduler and the notifier's SMTP sends share one trace; /metrics shows every figure, ids in no label")
    func traceMetricsAndEvents() async throws {
        let receiver = try await SpanReceiver.start()
        defer { receiver.stop() }
        let token = "metrics-\(UUID().uuidString)"
        try await withSystem(environment: ["SAMTAK_OTLP_ENDPOINT": receiver.baseURL, "SAMTAK_METRICS_TOKEN": token]) { system in
            let w = system.world
            let teacher = w.person(.school, .teacher), rektor = w.person(.school, .unitLeader)
            let arena = system.arenaId("Ressursteam – Nordby barneskole")
            let caseId = try await system.submitCase(as: teacher, arena: arena, unit: .school, kind: .named, child: w.child("emma"),
                                                     title: "Emma Nordli – lesing", concern: "Leser under forventet nivå.", grade: 5)
            let meeting = try await system.waitUntilScheduled(caseId, as: teacher)
            try await system.publishAgendaNow(meeting, as: rektor)
            try await system.waitForEvent("agenda.sent", subject: meeting)

            // The trace: the intake's POST /v1/cases is its root.
            // Wait for every span checked below: they come in separate export batches (the
            // intake's producer span ends at its delivery report), so one arriving says nothing
            // of the others.
            let expected = [("samtak-intake", "db.transaction"), ("samtak-intake", "publish \(system.topics.name(.cases))"),
                            ("samtak-scheduler", "process case.submitted"), ("samtak-scheduler", "publish agenda"),
                            ("samtak-notifier", "process agenda.published"), ("samtak-notifier", "smtp send")]
            let spans = try await receiver.waitForSpans(timeout: .seconds(60)) { spans in
                guard let root = spans.first(where: { $0.name == "POST /v1/cases" && $0.service == "samtak-intake" }) else { return false }
                return expected.allSatisfy { service, name in spans.contains { $0.traceID == root.traceID && $0.service == service && $0.name == name } }
            }
            let root = try #require(spans.first { $0.name == "POST /v1/cases" && $0.service == "samtak-intake" })
            let trace = spans.filter { $0.traceID == root.traceID }
            #expect(Set(trace.map(\.service)) == ["samtak-intake", "samtak-scheduler", "samtak-notifier"])
            for (service, name) in expected {
                #expect(trace.contains { $0.service == service && $0.name == name }, "no \(name) span from \(service) in the trace")
            }
            // One tree: every span but the root has its parent in the trace, and the root has none.
            let ids = Set(trace.map(\.spanID))
            #expect(root.parentSpanID == nil)
            #expect(trace.allSatisfy { $0.spanID == root.spanID || ($0.parentSpanID.map(ids.contains) ?? false) },
                    "spans whose parent is missing: \(trace.filter { $0.parentSpanID.map { !ids.contains($0) } ?? ($0.spanID != root.spanID) }.map(\.name))")
            // The SMTP sends descend from the teacher's request through the scheduler.
            let byID = Dictionary(uniqueKeysWithValues: trace.map { ($0.spanID, $0) })
            let send = try #require(trace.first { $0.name == "smtp send" })
            var chain: [String] = []
            var cursor: ReceivedSpan? = send
            while let span = cursor { chain.append("\(span.service): \(span.name)"); cursor = span.parentSpanID.flatMap { byID[$0] } }
            #expect(chain.contains("samtak-scheduler: publish agenda") && chain.last == "samtak-intake: POST /v1/cases", "\(chain)")
            // The trace context travelled on the broker as the CloudEvents extension.
            let submitted = try #require(system.tap.events(CaseSubmitted.type, subject: caseId).first)
            #expect(submitted.traceparent?.split(separator: "-").dropFirst().first.map(String.init) == root.traceID)
            // Spans carry codes and templates, never a child's name or a raw path with ids.
            #expect(receiver.rejected.isEmpty, "the receiver refused requests: \(receiver.rejected)")
            let exported = receiver.text
            #expect(!exported.contains("Emma") && !exported.contains(caseId.uuidString.lowercased()) && !exported.contains(caseId.uuidString))

            // /metrics on each service, behind the metrics token. A source that did not answer in
            // time (a loaded machine) leaves its gauges out of one scrape: read until all are there.
            let deploymentWide = ["samtak_outbox_unpublished{", "samtak_deliveries_open{", "samtak_consumer_lag{", "samtak_db_pool_connections{"]
            var bodies: [String: String] = [:]
            for name in SystemHarness.serviceNames {
                #expect(await HTTPProbe.request(port: system.ports[name]!, method: "GET", path: "/metrics")?.status == 401)
                #expect(await HTTPProbe.request(port: system.ports[name]!, method: "GET", path: "/metrics",
                                                headers: ["Authorization": "Bearer \(token)x"])?.status == 401)
                let port = system.ports[name]!
                let response = try #require(try await eventuallyValue(timeout: .seconds(30)) { () async -> HTTPProbe.Response? in
                    guard let response = await HTTPProbe.request(port: port, method: "GET", path: "/metrics", headers: ["Authorization": "Bearer \(token)"]),
                          deploymentWide.allSatisfy(response.text.contains) else { return nil }
                    return response
                }, "\(name): /metrics never showed every deployment-wide figure")
                #expect(response.status == 200)
                #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
                bodies[name] = response.text
            }
            let intake = bodies["samtak-intake"]!, scheduler = bodies["samtak-scheduler"]!, notifier = bodies["samtak-notifier"]!
            #expect(Self.value(intake, #"samtak_http_requests_total{method="POST",route="/v1/cases",status="201"}"#) == 1)
            #expect(intake.contains(#"samtak_http_request_duration_seconds_bucket{method="GET",route="/v1/cases/{id}""#))
            #expect(Self.value(intake, "samtak_relay_published_total").map { $0 >= 1 } == true)
            #expect(Self.value(scheduler, #"samtak_inbox_events_total{consumer="samtak-scheduler",outcome="applied"}"#).map { $0 >= 1 } == true)
            #expect(scheduler.contains(#"samtak_inbox_apply_duration_seconds_count{consumer="samtak-scheduler"}"#))
            #expect(Self.value(scheduler, #"samtak_scheduler_runs_total{worker="agenda-publisher",outcome="ok"}"#).map { $0 >= 1 } == true)
            #expect(Self.value(notifier, #"samtak_deliveries_total{outcome="sent"}"#).map { $0 >= 1 } == true)
            #expect(notifier.contains("samtak_smtp_send_duration_seconds_count"))
            // Deployment-wide figures on every service, the intake's included.
            for (name, body) in bodies {
                #expect(body.contains(#"samtak_outbox_unpublished{topic="\#(system.topics.name(.meetings))"}"#), "\(name): outbox backlog")
                #expect(body.contains("samtak_outbox_oldest_unpublished_age_seconds"), "\(name): outbox age")
                #expect(body.contains(#"samtak_deliveries_open{state="pending"}"#), "\(name): open deliveries")
                #expect(body.contains(#"samtak_consumer_lag{consumer="samtak-notifier",topic="\#(system.topics.name(.meetings))",partition="0"}"#),
                        "\(name): consumer lag")
                #expect(body.contains(#"samtak_db_pool_connections{state="in_use"}"#) && body.contains("samtak_db_pool_wait_duration_seconds_count"),
                        "\(name): pool")
                #expect(Self.value(body, "samtak_trace_spans_exported_total").map { $0 >= 1 } == true, "\(name): spans exported")
                // No id (UUID) and no address in any label or value line.
                #expect(body.range(of: #"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#, options: .regularExpression) == nil,
                        "\(name): an id in /metrics")
                #expect(!body.contains("@"), "\(name): an address in /metrics")
            }
            // The consumers have caught up: nothing left for the notifier on its topics.
            let lag = try await eventuallyValue(timeout: .seconds(30)) { () async -> Double? in
                guard let body = await HTTPProbe.request(port: system.ports["samtak-intake"]!, method: "GET", path: "/metrics",
                                                         headers: ["Authorization": "Bearer \(token)"])?.text else { return nil }
                let total = Self.values(body, prefix: #"samtak_consumer_lag{consumer="samtak-notifier""#).reduce(0, +)
                return total == 0 ? total : nil
            }
            #expect(lag == 0)

            // One access log line per request: method, route template, status, duration, request id; no raw path.
            let intakeLog = system.services["samtak-intake"]!.log
            let lines = intakeLog.split(separator: "\n").filter { $0.contains(#""msg":"http request""#) }
            #expect(lines.contains { $0.contains(#""method":"POST""#) && $0.contains(#""route":"/v1/cases""#) && $0.contains(#""status":"201""#)
                && $0.contains(#""request_id":"#) && $0.contains(#""duration_ms":"#) && $0.contains(#""trace_id":"\#(root.traceID)""#) })
            #expect(!lines.contains { $0.lowercased().contains(caseId.uuidString.lowercased()) }, "an access log line holds an id")

            // The AsyncAPI document is served, and every event the system wrote validates against it.
            let document = try #require(await HTTPProbe.request(port: system.ports["samtak-intake"]!, method: "GET", path: "/asyncapi.yaml"))
            #expect(document.status == 200 && document.headers["content-type"] == "application/yaml" && document.text.hasPrefix("asyncapi: 3.0.0"))
            let prefix = system.topics.prefix
            let records = try await system.sql { connection in
                try connection.query("SELECT event_type, topic, data::text FROM outbox ORDER BY id").map { row throws(PostgresError) in
                    AsyncAPICheck.Record(type: try row.decode(String.self, 0), topic: String(try row.decode(String.self, 1).dropFirst(prefix.count)),
                                         payload: try row.decode(String.self, 2))
                }
            }
            #expect(Set(records.map(\.type)).isSuperset(of: ["consent.recorded", "case.submitted", "case.scheduled", "agenda.published", "agenda.sent"]))
            let errors = try AsyncAPICheck.validate(records)
            #expect(errors.isEmpty, "\(errors)")
        }
    }

    /// The value of one exposition line (`name{labels} value`).
    static func value(_ body: String, _ series: String) -> Double? {
        body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    static func values(_ body: String, prefix: String) -> [Double] {
        body.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last!) }
    }
}

/// Polls `body` until it returns a value or `timeout` passes.
func eventuallyValue<T: Sendable>(timeout: Duration, _ body: @Sendable () async -> T?) async throws -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = await body() { return value }
        try await Task.sleep(for: .milliseconds(250))
    }
    return nil
}
