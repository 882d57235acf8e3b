import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakTestSupport
import Testing

/// The AsyncAPI document against the code: the same event types on the same topics, and
/// each payload, as Samtak encodes it, valid against its schema. (The running system's
/// events are checked against it too, in `ObservabilityScenarioTests`.)
@Suite("AsyncAPI document")
struct AsyncAPITests {
    @Test("every event type the code emits is in the document, on its topic, and the document has no other")
    func sameEventTypes() throws {
        let listing = try AsyncAPICheck.listing()
        let code = Dictionary(uniqueKeysWithValues: EventCatalogue.all.map { ($0.type, $0.topic.rawValue) })
        #expect(Set(code.keys).subtracting(listing.topics.keys).isEmpty, "not in the document: \(Set(code.keys).subtracting(listing.topics.keys).sorted())")
        #expect(Set(listing.topics.keys).subtracting(code.keys).isEmpty, "documented, never emitted: \(Set(listing.topics.keys).subtracting(code.keys).sorted())")
        for (type, topic) in code {
            #expect(listing.topics[type] == nil || listing.topics[type] == topic, "\(type): code says \(topic), document \(listing.topics[type] ?? "-")")
        }
    }

    @Test("the catalogue holds every event type declared in the sources")
    func catalogueIsComplete() throws {
        let sources = TestEnvironment.repositoryRoot.appendingPathComponent("Sources")
        var declared = Set<String>()
        let pattern = try Regex(#"static let type = "([a-z_]+\.[a-z_]+)""#)
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) { declared.insert(String(match.output[1].substring ?? "")) }
        }
        #expect(declared.count >= 30, "the scan found only \(declared.count) event types")
        let catalogued = Set(EventCatalogue.all.map(\.type)).union(EventCatalogue.umbrellaTypes)
        #expect(declared.subtracting(catalogued).isEmpty, "declared but not in EventCatalogue: \(declared.subtracting(catalogued).sorted())")
        let announcedTypes = Set(DocumentKind.allCases.map { "\($0.rawValue).sent" })
        #expect(catalogued.subtracting(declared).subtracting(announcedTypes).isEmpty, "catalogued but declared nowhere: \(catalogued.subtracting(declared).subtracting(announcedTypes).sorted())")
    }

    @Test("each message's example decodes as Samtak's payload type, and Samtak's encoding of it validates against the schema")
    func payloadsValidate() throws {
        let listing = try AsyncAPICheck.listing()
        var records: [AsyncAPICheck.Record] = []
        for entry in EventCatalogue.all {
            let examples = listing.examples[entry.type] ?? []
            #expect(!examples.isEmpty, "\(entry.type) has no example in the document")
            for example in examples {
                var event: any DomainEvent = try EventJSON.decoder().decode(entry.payload, from: Data(example.utf8))
                if var sent = event as? DocumentSent {
                    // One struct, three types (the shared example is of one kind): the kind decides the type.
                    sent.documentKind = try #require(DocumentKind(rawValue: String(entry.type.prefix { $0 != "." })))
                    event = sent
                }
                // What the outbox stores and the relay sends: the envelope's type and data.
                let envelope = try EventEnvelope(event, source: "/samtak/test")
                #expect(envelope.type == entry.type)
                records.append(.init(type: envelope.type, topic: entry.topic.rawValue, payload: String(decoding: envelope.data, as: UTF8.self)))
            }
        }
        #expect(records.count >= EventCatalogue.all.count)
        let errors = try AsyncAPICheck.validate(records)
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test("the check refuses what the document does not allow (so a pass means something)")
    func checkerRefuses() throws {
        let errors = try AsyncAPICheck.validate([
            .init(type: "case.submitted", topic: "cases", payload: #"{"case_id":"not-a-uuid","arena_id":"0f2c2f4e-5d1b-4b36-9a53-6c3d2b1a0e11"}"#),
            .init(type: "case.submitted", topic: "meetings", payload: "{}"),
            .init(type: "case.vanished", topic: "cases", payload: "{}"),
            .init(type: "consent.recorded", topic: "consents",
                  payload: #"{"consent_id":"2c3d4e5f-6071-4829-93a4-b5c6d7e8f901","child_id":"3d4e5f60-7182-4930-a4b5-c6d7e8f90112","name":"Emma"}"#),
        ])
        #expect(errors.contains { $0.contains("case_id") && $0.contains("uuid") })
        #expect(errors.contains { $0.contains("'unit_id' is a required property") })
        #expect(errors.contains { $0.contains("published on meetings") })
        #expect(errors.contains { $0.contains("case.vanished is not in the AsyncAPI document") })
        #expect(errors.contains { $0.contains("Additional properties") && $0.contains("name") })
    }

    @Test("the document's enums list exactly the codes of the Swift enums")
    func enumsMatch() throws {
        let enums = try AsyncAPICheck.listing().enums
        let code: [String: [String]] = [
            "CaseKind": CaseKind.allCases.map(\.rawValue), "ServiceKind": ServiceKind.allCases.map(\.rawValue),
            "CaseStatus": CaseStatus.allCases.map(\.rawValue), "CaseDecision": CaseDecision.allCases.map(\.rawValue),
            "SchedulingReason": SchedulingReason.allCases.map(\.rawValue), "DocumentKind": DocumentKind.allCases.map(\.rawValue),
            "CoordinatorKind": CoordinatorKind.allCases.map(\.rawValue), "HandoverStatus": HandoverStatus.allCases.map(\.rawValue),
            "LogCloseReason": LogCloseReason.allCases.map(\.rawValue), "MeasureSource": MeasureSource.allCases.map(\.rawValue),
            "EvaluationOutcome": EvaluationOutcome.allCases.map(\.rawValue), "TransitionStage": TransitionStage.allCases.map(\.rawValue),
            "CorrectionReason": CorrectionReason.allCases.map(\.rawValue),
        ]
        #expect(Set(enums.keys) == Set(code.keys))
        for (name, values) in code {
            #expect(Set(enums[name] ?? []) == Set(values), "\(name): document \(enums[name] ?? []), code \(values)")
        }
    }
}
