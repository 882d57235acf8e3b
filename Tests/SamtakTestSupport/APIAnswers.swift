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

    /// The top-level keys of an answer as sent (snake_case): for asserting that one is absent,
    /// not null.
    public struct Keys: Decodable, Sendable {
        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        public var names: Set<String>
        public init(from decoder: any Decoder) throws {
            names = Set(try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue))
        }
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
            /// Whether `name` is in the answer at all (absent, not null, where names are not shown).
            public var hasName: Bool
            public var roles: [Role]

            enum CodingKeys: String, CodingKey { case name, roles }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                hasName = container.contains(.name)
                name = try container.decodeIfPresent(String.self, forKey: .name)
                roles = try container.decode([Role].self, forKey: .roles)
            }
        }
        public var at: Date
        public var subject: String
        public var basis: String
        public var actor: Actor
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
        /// Whether `case_id` is in the answer at all (absent, not null, where the referral is redacted).
        public var hasCaseId: Bool
        public var redacted: Bool
        public var childName: String?
        public var dueOn: String
        public var overdue: Bool
        public var mayClose: Bool

        enum CodingKeys: String, CodingKey { case id, caseId, redacted, childName, dueOn, overdue, mayClose }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(UUID.self, forKey: .id)
            hasCaseId = container.contains(.caseId)
            caseId = try container.decodeIfPresent(UUID.self, forKey: .caseId)
            redacted = try container.decode(Bool.self, forKey: .redacted)
            childName = try container.decodeIfPresent(String.self, forKey: .childName)
            dueOn = try container.decode(String.self, forKey: .dueOn)
            overdue = try container.decode(Bool.self, forKey: .overdue)
            mayClose = try container.decode(Bool.self, forKey: .mayClose)
        }
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
        public var slots: [TalkSlot]
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
        /// Whether `booking` is in the answer at all (absent, not null, where it is not the viewer's).
        public var hasBooking: Bool

        enum CodingKeys: String, CodingKey { case id, free, booking }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(UUID.self, forKey: .id)
            free = try container.decode(Bool.self, forKey: .free)
            hasBooking = container.contains(.booking)
            booking = try container.decodeIfPresent(Booking.self, forKey: .booking)
        }
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
            public var childrenWithoutConsent: Int?
            /// Whether `children_without_consent` is in the answer at all (organisers only).
            public var hasChildrenWithoutConsent: Bool
            public var mayArrange: Bool
            public var responsibleService: String
            public var items: [TransitionItem]

            enum CodingKeys: String, CodingKey {
                case meetingId, sendingUnitId, status, participantIds, childrenWithoutConsent, mayArrange, responsibleService, items
            }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                meetingId = try container.decode(UUID.self, forKey: .meetingId)
                sendingUnitId = try container.decode(UUID.self, forKey: .sendingUnitId)
                status = try container.decode(String.self, forKey: .status)
                participantIds = try container.decode([UUID].self, forKey: .participantIds)
                hasChildrenWithoutConsent = container.contains(.childrenWithoutConsent)
                childrenWithoutConsent = try container.decodeIfPresent(Int.self, forKey: .childrenWithoutConsent)
                mayArrange = try container.decode(Bool.self, forKey: .mayArrange)
                responsibleService = try container.decode(String.self, forKey: .responsibleService)
                items = try container.decode([TransitionItem].self, forKey: .items)
            }
        }
        public var id: UUID
        public var establishesAnsvarsgruppe: Bool
        public var meetings: [Meeting]
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
            /// Whether `recipient_name` is in the answer at all (absent, not null, for a guardian).
            public var hasRecipientName: Bool
            public var state: String

            enum CodingKeys: String, CodingKey { case documentKind, recipientId, recipientKind, recipientName, state }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                documentKind = try container.decode(String.self, forKey: .documentKind)
                recipientId = try container.decode(UUID.self, forKey: .recipientId)
                recipientKind = try container.decode(String.self, forKey: .recipientKind)
                hasRecipientName = container.contains(.recipientName)
                recipientName = try container.decodeIfPresent(String.self, forKey: .recipientName)
                state = try container.decode(String.self, forKey: .state)
            }
        }
        public var items: [Delivery]
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
