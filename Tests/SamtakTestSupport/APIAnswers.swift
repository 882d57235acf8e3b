import Foundation

/// The intake's answers as the tests read them: small `Decodable` structs per resource, with
/// the fields the tests look at, decoded from the wire (snake_case keys, ISO 8601 dates, ``decode(_:from:)``)
/// by the intake tests' `IntakeHarness` and the scenario tests' `SystemHarness`. Written from the wire, not from the
/// intake's own types, so a renamed field fails a test. A field is optional where the API may
/// leave it out; a decode that fails is a failed test, so these are never weaker than the
/// dictionary look-ups they replace.
public enum API {
    /// Decodes an answer as the API writes it: snake_case keys, ISO 8601 dates.
    public static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: body)
    }

    /// The top-level keys of an answer as sent (not converted): for asserting that one is absent, not null.
    public static func keys(of body: Data) -> Set<String> {
        (try? JSONDecoder().decode(Keys.self, from: body))?.names ?? []
    }

    /// A JSON value the test does not look into (only counts or emptiness).
    public struct Opaque: Decodable, Sendable {
        public init(from decoder: any Decoder) throws {}
    }

    public struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
        public var items: [Item]
        public var nextCursor: String?
    }

    public struct Named: Decodable, Sendable {
        public var id: UUID
        public var name: String
    }

    /// An RFC 9457 problem (`application/problem+json`).
    public struct Problem: Decodable, Sendable {
        public struct Violation: Decodable, Sendable {
            public var field: String
            public var rule: String
        }
        public var status: Int
        public var code: String
        public var title: String
        public var errors: [Violation]?
    }

    /// Something the test only tells apart by its id.
    public struct Identified: Decodable, Sendable {
        public var id: UUID
    }

    /// Any key of a JSON object.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The top-level keys of an answer as sent (snake_case): for asserting that one is absent,
    /// not null.
    public struct Keys: Decodable, Sendable {
        public var names: Set<String>
        public init(from decoder: any Decoder) throws {
            names = Set(try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue))
        }
    }

    /// A nested object of an answer with the keys it was sent with, for asserting that a field
    /// is left out (absent, not null); its fields read through (`meeting.items`).
    @dynamicMemberLookup
    public struct Keyed<Value: Decodable & Sendable>: Decodable, Sendable {
        public var value: Value
        /// The object's keys in the wire's snake_case (`keys.contains("recipient_name")`).
        public var keys: Set<String>

        public init(from decoder: any Decoder) throws {
            value = try Value(from: decoder)
            // The answer's decoder converts keys to camelCase; they are written back as sent.
            keys = Set(try decoder.container(keyedBy: AnyKey.self).allKeys.map { key in
                key.stringValue.reduce(into: "") { out, character in
                    out += character.isUppercase ? "_" + character.lowercased() : String(character)
                }
            })
        }

        public subscript<Field>(dynamicMember field: KeyPath<Value, Field>) -> Field { value[keyPath: field] }
    }

    // MARK: Families (/v1/me/…)

    public struct FamilyChild: Decodable, Sendable {
        public var id: UUID
        public var name: String
        public var accessBasis: String
    }

    public struct FamilyChildDetail: Decodable, Sendable {
        public struct Item: Decodable, Sendable {
            public var id: UUID
            public var title: String
        }
        public struct Meeting: Decodable, Sendable {
            public var id: UUID
            public var items: [Item]
        }
        public struct FollowUp: Decodable, Sendable {
            public var description: String
        }
        public struct Minutes: Decodable, Sendable {
            public var discussion: String
            public var decision: String?
            public var followUps: [FollowUp]
        }
        public var consents: [Consent]
        public var awaitingSignatures: [Proposal]
        public var meetings: [Meeting]
        public var minutes: [Minutes]
    }

    public struct Consent: Decodable, Sendable {
        public var id: UUID
        public var method: String
        public var services: [String]
        public var arenas: [Named]
        public var givers: [Opaque]
    }

    public struct Proposal: Decodable, Sendable {
        public var id: UUID
        public var status: String
        public var consentId: UUID?
        public var guardianRule: String
        public var missing: [Named]
        public var awaitingMe: Bool
        public var mayCancel: Bool
    }

    public struct AccessEntry: Decodable, Sendable {
        public struct Role: Decodable, Sendable {
            public var service: String
            public var role: String
        }
        public struct Actor: Decodable, Sendable {
            public var name: String?
            public var roles: [Role]
        }
        public var at: Date
        public var subject: String
        public var basis: String
        /// With its keys: the name is left out where names are not shown.
        public var actor: Keyed<Actor>
    }

    // MARK: Arenas and meetings

    public struct Arena: Decodable, Sendable {
        public struct Participant: Decodable, Sendable {
            public var unitId: UUID?
            public var role: String?
            public var personId: UUID?
            public var presence: String
        }
        public var id: UUID
        public var version: Int
        public var capacity: Int
        public var followUpDays: Int?
        public var participants: [Participant]
    }

    public struct Meeting: Decodable, Sendable {
        public struct Item: Decodable, Sendable {
            public var id: UUID
            public var caseId: UUID?
            public var title: String
            public var visibility: String
        }
        public var id: UUID
        public var arenaKind: String
        public var status: String
        public var location: String
        public var sequence: Int
        public var agenda: [Item]
        public var calledBy: UUID?
        public var childId: UUID?
        public var individualPlanId: UUID?
        public var seriesId: UUID?
        public var participantIds: [UUID]?
    }

    // MARK: Teams against bullying

    public struct BullyingTeam: Decodable, Sendable {
        public struct Delegation: Decodable, Sendable {
            public var delegatedBy: Named
            public var delegatedTo: Named
            public var delegatedAt: Date
        }
        public var id: UUID
        public var child: Named
        public var responsible: Named
        public var formallyResponsible: Named
        public var members: [Named]
        public var delegations: [Delegation]
        public var mayDelegate: Bool
    }

    // MARK: Cases and referrals

    /// A case or a referral (`/v1/cases/{id}`, `/v1/referrals/{id}`).
    public struct Case: Decodable, Sendable {
        public struct Child: Decodable, Sendable {
            public var id: UUID
            public var name: String
        }
        public struct Scheduling: Decodable, Sendable {
            public var meetingId: UUID
        }
        public struct Note: Decodable, Sendable {
            public var service: String
            public var text: String
        }
        public struct Referral: Decodable, Sendable {
            public var question: String
            public var intakeDecision: String?
            public var informationRequested: String
            public var missing: [Opaque]
            public var notes: [Note]
        }
        public var id: UUID
        public var status: String
        public var title: String
        public var visibility: String
        public var accessBasis: String
        public var arenaId: UUID?
        public var child: Child?
        public var screeningFlags: [String]
        public var scheduled: Scheduling?
        public var referral: Referral?
    }

    public struct Minutes: Decodable, Sendable {
        public struct FollowUp: Decodable, Sendable {
            public var description: String
            public var responsibleId: UUID?
            public var dueDate: String?
        }
        public struct Entry: Decodable, Sendable {
            public var agendaItemId: UUID
            public var decision: String?
            public var followUps: [FollowUp]
            public var notes: [Case.Note]?
        }
        public var status: String
        public var version: Int
        public var entries: [Entry]
    }

    /// A rejected referral's follow-up task (`/v1/referral-follow-ups`).
    public struct FollowUpTask: Decodable, Sendable {
        public var id: UUID
        public var caseId: UUID?
        public var redacted: Bool
        public var childName: String?
        public var dueOn: String
        public var overdue: Bool
        public var mayClose: Bool
    }

    // MARK: Coordination

    public struct Coordinator: Decodable, Sendable {
        public var id: UUID
        public var personId: UUID
        public var service: String
        public var status: String
    }

    /// A child's coordinator, the pending handover and the history (`/v1/children/{id}/coordinator`).
    public struct Coordination: Decodable, Sendable {
        public struct Handover: Decodable, Sendable {
            public var id: UUID
        }
        public var current: Coordinator?
        public var pendingHandover: Handover?
        public var history: [Coordinator]
    }

    public struct Measure: Decodable, Sendable {
        public var id: UUID
        public var planId: UUID?
        public var ownerId: UUID
        public var service: String?
        public var status: String
        public var description: String
        public var evaluationDueOn: String
        public var evaluationOverdue: Bool
        public var source: String
        public var meetingId: UUID?
    }

    public struct CoordinationLog: Decodable, Sendable {
        public struct Note: Decodable, Sendable {
            public var kind: String
        }
        public var id: UUID
        public var measures: [Measure]
        public var notes: [Note]
    }

    public struct IndividualPlan: Decodable, Sendable {
        public var id: UUID
        public var measures: [Measure]
        public var meetingIds: [UUID]
    }

    // MARK: Talks (utviklingssamtaler)

    public struct TalkRound: Decodable, Sendable {
        public struct Pupil: Decodable, Sendable {
            public var childId: UUID
            public var name: String
        }
        public var id: UUID
        public var viewerRole: String
        /// With their keys: a booking is left out where it is not the viewer's.
        public var slots: [Keyed<TalkSlot>]
        public var pupils: [Pupil]
    }

    public struct TalkSlot: Decodable, Sendable {
        public struct Summary: Decodable, Sendable {
            public var agreedSchool: String
        }
        public struct Booking: Decodable, Sendable {
            public var childName: String
            public var pupilAttends: Bool
            public var interpreterLanguage: String?
            public var summary: Summary?
        }
        public var id: UUID
        public var free: Bool
        public var booking: Booking?
    }

    public struct TalkReport: Decodable, Sendable {
        public struct Pupil: Decodable, Sendable {
            public var name: String
            public var held: Int
        }
        public var complete: [Pupil]
        public var missing: [Pupil]
    }

    // MARK: Children

    public struct Child: Decodable, Sendable {
        public struct Guardian: Decodable, Sendable {
            public var personId: UUID
            public var name: String
        }
        public var id: UUID
        public var name: String
        public var nationalIdRegistered: Bool
        public var guardians: [Guardian]
    }

    /// A consent as staff read it (`/v1/consents/{id}`, `/v1/children/{id}/consents`).
    public struct StaffConsent: Decodable, Sendable {
        public var id: UUID
        public var active: Bool
        public var endedReason: String?
    }

    // MARK: Transitions

    public struct TransitionItem: Decodable, Sendable {
        public struct Child: Decodable, Sendable {
            public var name: String
        }
        public var id: UUID
        public var visibility: String
        public var child: Child?
        public var information: [String]
        public var specialNeedsSupport: Bool?
        public var schoolSituation: String?
        public var attendsSfo: Bool?
        public var receivingTeacherId: UUID?
        public var responsibleService: String?
        public var ansvarsgruppeMeetingId: UUID?
    }

    public struct TransitionSeason: Decodable, Sendable {
        public struct Meeting: Decodable, Sendable {
            public var meetingId: UUID
            public var sendingUnitId: UUID
            public var status: String
            public var participantIds: [UUID]
            /// Organisers only.
            public var childrenWithoutConsent: Int?
            public var mayArrange: Bool
            public var responsibleService: String
            public var items: [TransitionItem]
        }
        public var id: UUID
        public var establishesAnsvarsgruppe: Bool
        /// With their keys: `children_without_consent` is left out for all but the organisers.
        public var meetings: [Keyed<Meeting>]
    }

    /// A line of `/v1/transition-seasons`.
    public struct SeasonSummary: Decodable, Sendable {
        public var id: UUID
        public var receivingUnitName: String
        public var organiser: Bool
    }

    // MARK: The register

    public struct Person: Decodable, Sendable {
        public var id: UUID
        public var memberships: [Opaque]
    }

    /// `/v1/me`.
    public struct Me: Decodable, Sendable {
        public var administrator: Bool
    }

    public struct RecurrencePreview: Decodable, Sendable {
        public var occurrences: [String]
    }

    // MARK: Cooperation around a child

    /// Whom a child's coordinator may invite (`/v1/children/{id}/coordinator/candidates`).
    public struct Candidates: Decodable, Sendable {
        public struct Staff: Decodable, Sendable {
            public var personId: UUID
            public var name: String
            public var unitName: String
            public var service: String
        }
        public struct Family: Decodable, Sendable {
            public var personId: UUID
            public var relation: String
        }
        public var staff: [Staff]
        public var family: [Family]
    }

    /// `/v1/me/tasks`, the part about coordinated children.
    public struct Tasks: Decodable, Sendable {
        public struct CoordinatedChild: Decodable, Sendable {
            public var childId: UUID
            public var kind: String
            public var name: String?
        }
        public var coordinatedChildren: [CoordinatedChild]
    }

    /// A step of a child's timeline.
    public struct TimelineEntry: Decodable, Sendable {
        public var at: Date
        public var kind: String
        public var summary: String?
        public var status: String?
        public var planId: UUID?
        public var caseId: UUID?
        public var originCaseId: UUID?
        public var createdCaseId: UUID?
        public var createdMeetingId: UUID?
        public var meetingId: UUID?
    }

    /// A drøftingsteam's request about a case.
    public struct DiscussionRequest: Decodable, Sendable {
        public var status: String
        public var consentId: UUID?
        public var mayGiveFeedback: Bool
    }

    /// A meeting's time as sent (a line of `/v1/meetings`).
    public struct MeetingTime: Decodable, Sendable {
        public var id: UUID
        public var startsAt: String
    }

    /// A child's guardianship as recorded (`POST /v1/children/{id}/guardians`).
    public struct Guardianship: Decodable, Sendable {
        public var personId: UUID
    }

    /// What the notifier did with a meeting's documents (`/v1/meetings/{id}/deliveries`).
    public struct Deliveries: Decodable, Sendable {
        public struct Delivery: Decodable, Sendable {
            public var documentKind: String
            public var recipientId: UUID
            public var recipientKind: String
            public var recipientName: String?
            public var state: String
        }
        /// With their keys: a guardian's name is left out.
        public var items: [Keyed<Delivery>]
        public var failed: Int
    }
}

/// A typed read that did not get the answer it expected (`IntakeHarness.get`, `SystemHarness.get`).
public struct UnexpectedAnswer: Error, CustomStringConvertible {
    public var path: String
    public var status: Int
    public var body: String
    public init(path: String, status: Int, body: String) {
        self.path = path
        self.status = status
        self.body = body
    }
    public var description: String { "GET \(path): \(status) \(body)" }
}
