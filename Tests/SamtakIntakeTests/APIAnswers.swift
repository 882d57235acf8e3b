import Foundation

/// The intake's answers as the tests read them: small `Decodable` structs per resource, with
/// the fields the tests look at, decoded from the wire (snake_case keys, ISO 8601 dates) by
/// `IntakeHarness.Response.decode` and `IntakeHarness.get`. Written from the wire, not from the
/// intake's own types, so a renamed field fails a test. A field is optional where the API may
/// leave it out; a decode that fails is a failed test, so these are never weaker than the
/// dictionary look-ups they replace.
enum API {
    /// A JSON value the test does not look into (only counts or emptiness).
    struct Opaque: Decodable, Sendable {
        init(from decoder: any Decoder) throws {}
    }

    struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
        var items: [Item]
        var nextCursor: String?
    }

    struct Named: Decodable, Sendable {
        var id: UUID
        var name: String
    }

    /// An RFC 9457 problem (`application/problem+json`).
    struct Problem: Decodable, Sendable {
        struct Violation: Decodable, Sendable {
            var field: String
            var rule: String
        }
        var status: Int
        var code: String
        var title: String
        var errors: [Violation]?
    }

    /// Something the test only tells apart by its id.
    struct Identified: Decodable, Sendable {
        var id: UUID
    }

    /// The top-level keys of an answer as sent (snake_case): for asserting that one is absent,
    /// not null.
    struct Keys: Decodable, Sendable {
        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        var names: Set<String>
        init(from decoder: any Decoder) throws {
            names = Set(try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue))
        }
    }

    // MARK: Families (/v1/me/…)

    struct FamilyChild: Decodable, Sendable {
        var id: UUID
        var name: String
        var accessBasis: String
    }

    struct FamilyChildDetail: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            var id: UUID
            var title: String
        }
        struct Meeting: Decodable, Sendable {
            var id: UUID
            var items: [Item]
        }
        struct FollowUp: Decodable, Sendable {
            var description: String
        }
        struct Minutes: Decodable, Sendable {
            var discussion: String
            var decision: String?
            var followUps: [FollowUp]
        }
        var consents: [Consent]
        var awaitingSignatures: [Proposal]
        var meetings: [Meeting]
        var minutes: [Minutes]
    }

    struct Consent: Decodable, Sendable {
        var id: UUID
        var method: String
        var services: [String]
        var arenas: [Named]
        var givers: [Opaque]
    }

    struct Proposal: Decodable, Sendable {
        var id: UUID
        var status: String
        var consentId: UUID?
        var guardianRule: String
        var missing: [Named]
        var awaitingMe: Bool
        var mayCancel: Bool
    }

    struct AccessEntry: Decodable, Sendable {
        struct Role: Decodable, Sendable {
            var service: String
            var role: String
        }
        struct Actor: Decodable, Sendable {
            var name: String?
            /// Whether `name` is in the answer at all (absent, not null, where names are not shown).
            var hasName: Bool
            var roles: [Role]

            enum CodingKeys: String, CodingKey { case name, roles }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                hasName = container.contains(.name)
                name = try container.decodeIfPresent(String.self, forKey: .name)
                roles = try container.decode([Role].self, forKey: .roles)
            }
        }
        var at: Date
        var subject: String
        var basis: String
        var actor: Actor
    }

    // MARK: Arenas and meetings

    struct Arena: Decodable, Sendable {
        struct Participant: Decodable, Sendable {
            var unitId: UUID?
            var role: String?
            var personId: UUID?
            var presence: String
        }
        var id: UUID
        var version: Int
        var capacity: Int
        var followUpDays: Int?
        var participants: [Participant]
    }

    struct Meeting: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            var id: UUID
            var caseId: UUID?
            var title: String
            var visibility: String
        }
        var id: UUID
        var status: String
        var location: String
        var sequence: Int
        var agenda: [Item]
        var childId: UUID?
        var individualPlanId: UUID?
        var seriesId: UUID?
        var participantIds: [UUID]?
    }

    // MARK: Teams against bullying

    struct BullyingTeam: Decodable, Sendable {
        struct Delegation: Decodable, Sendable {
            var delegatedBy: Named
            var delegatedTo: Named
            var delegatedAt: Date
        }
        var id: UUID
        var child: Named
        var responsible: Named
        var formallyResponsible: Named
        var members: [Named]
        var delegations: [Delegation]
        var mayDelegate: Bool
    }

    // MARK: Cases and referrals

    /// A case or a referral (`/v1/cases/{id}`, `/v1/referrals/{id}`).
    struct Case: Decodable, Sendable {
        struct Child: Decodable, Sendable {
            var id: UUID
            var name: String
        }
        struct Scheduling: Decodable, Sendable {
            var meetingId: UUID
        }
        struct Note: Decodable, Sendable {
            var service: String
            var text: String
        }
        struct Referral: Decodable, Sendable {
            var question: String
            var intakeDecision: String?
            var informationRequested: String
            var missing: [Opaque]
            var notes: [Note]
        }
        var id: UUID
        var status: String
        var title: String
        var visibility: String
        var accessBasis: String
        var arenaId: UUID?
        var child: Child?
        var screeningFlags: [String]
        var scheduled: Scheduling?
        var referral: Referral?
    }

    struct Minutes: Decodable, Sendable {
        struct Entry: Decodable, Sendable {
            var agendaItemId: UUID
            var decision: String?
            var notes: [Case.Note]?
        }
        var status: String
        var version: Int
        var entries: [Entry]
    }

    /// A rejected referral's follow-up task (`/v1/referral-follow-ups`).
    struct FollowUpTask: Decodable, Sendable {
        var id: UUID
        var caseId: UUID?
        /// Whether `case_id` is in the answer at all (absent, not null, where the referral is redacted).
        var hasCaseId: Bool
        var redacted: Bool
        var childName: String?
        var dueOn: String
        var overdue: Bool
        var mayClose: Bool

        enum CodingKeys: String, CodingKey { case id, caseId, redacted, childName, dueOn, overdue, mayClose }

        init(from decoder: any Decoder) throws {
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

    struct Coordinator: Decodable, Sendable {
        var id: UUID
        var personId: UUID
        var service: String
        var status: String
    }

    /// A child's coordinator, the pending handover and the history (`/v1/children/{id}/coordinator`).
    struct Coordination: Decodable, Sendable {
        struct Handover: Decodable, Sendable {
            var id: UUID
        }
        var current: Coordinator?
        var pendingHandover: Handover?
        var history: [Coordinator]
    }

    struct Measure: Decodable, Sendable {
        var id: UUID
        var description: String
        var evaluationDueOn: String
        var evaluationOverdue: Bool
        var source: String
        var meetingId: UUID?
    }

    struct CoordinationLog: Decodable, Sendable {
        struct Note: Decodable, Sendable {
            var kind: String
        }
        var id: UUID
        var measures: [Measure]
        var notes: [Note]
    }

    struct IndividualPlan: Decodable, Sendable {
        var id: UUID
        var measures: [Measure]
        var meetingIds: [UUID]
    }

    // MARK: Talks (utviklingssamtaler)

    struct TalkRound: Decodable, Sendable {
        struct Pupil: Decodable, Sendable {
            var childId: UUID
            var name: String
        }
        var id: UUID
        var viewerRole: String
        var slots: [TalkSlot]
        var pupils: [Pupil]
    }

    struct TalkSlot: Decodable, Sendable {
        struct Summary: Decodable, Sendable {
            var agreedSchool: String
        }
        struct Booking: Decodable, Sendable {
            var childName: String
            var pupilAttends: Bool
            var interpreterLanguage: String?
            var summary: Summary?
        }
        var id: UUID
        var free: Bool
        var booking: Booking?
        /// Whether `booking` is in the answer at all (absent, not null, where it is not the viewer's).
        var hasBooking: Bool

        enum CodingKeys: String, CodingKey { case id, free, booking }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(UUID.self, forKey: .id)
            free = try container.decode(Bool.self, forKey: .free)
            hasBooking = container.contains(.booking)
            booking = try container.decodeIfPresent(Booking.self, forKey: .booking)
        }
    }

    struct TalkReport: Decodable, Sendable {
        struct Pupil: Decodable, Sendable {
            var name: String
            var held: Int
        }
        var complete: [Pupil]
        var missing: [Pupil]
    }

    // MARK: Children

    struct Child: Decodable, Sendable {
        struct Guardian: Decodable, Sendable {
            var personId: UUID
            var name: String
        }
        var id: UUID
        var name: String
        var nationalIdRegistered: Bool
        var guardians: [Guardian]
    }

    /// A consent as staff read it (`/v1/consents/{id}`, `/v1/children/{id}/consents`).
    struct StaffConsent: Decodable, Sendable {
        var id: UUID
        var active: Bool
        var endedReason: String?
    }

    // MARK: Transitions

    struct TransitionItem: Decodable, Sendable {
        struct Child: Decodable, Sendable {
            var name: String
        }
        var id: UUID
        var visibility: String
        var child: Child?
        var information: [String]
        var specialNeedsSupport: Bool?
        var schoolSituation: String?
        var attendsSfo: Bool?
        var receivingTeacherId: UUID?
        var responsibleService: String?
        var ansvarsgruppeMeetingId: UUID?
    }

    struct TransitionSeason: Decodable, Sendable {
        struct Meeting: Decodable, Sendable {
            var meetingId: UUID
            var participantIds: [UUID]
            var childrenWithoutConsent: Int?
            /// Whether `children_without_consent` is in the answer at all (organisers only).
            var hasChildrenWithoutConsent: Bool
            var mayArrange: Bool
            var responsibleService: String
            var items: [TransitionItem]

            enum CodingKeys: String, CodingKey {
                case meetingId, participantIds, childrenWithoutConsent, mayArrange, responsibleService, items
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                meetingId = try container.decode(UUID.self, forKey: .meetingId)
                participantIds = try container.decode([UUID].self, forKey: .participantIds)
                hasChildrenWithoutConsent = container.contains(.childrenWithoutConsent)
                childrenWithoutConsent = try container.decodeIfPresent(Int.self, forKey: .childrenWithoutConsent)
                mayArrange = try container.decode(Bool.self, forKey: .mayArrange)
                responsibleService = try container.decode(String.self, forKey: .responsibleService)
                items = try container.decode([TransitionItem].self, forKey: .items)
            }
        }
        var id: UUID
        var establishesAnsvarsgruppe: Bool
        var meetings: [Meeting]
    }

    /// A line of `/v1/transition-seasons`.
    struct SeasonSummary: Decodable, Sendable {
        var id: UUID
        var receivingUnitName: String
        var organiser: Bool
    }

    // MARK: The register

    struct Person: Decodable, Sendable {
        var id: UUID
        var memberships: [Opaque]
    }

    /// `/v1/me`.
    struct Me: Decodable, Sendable {
        var administrator: Bool
    }

    struct RecurrencePreview: Decodable, Sendable {
        var occurrences: [String]
    }

    // MARK: Cooperation around a child

    /// Whom a child's coordinator may invite (`/v1/children/{id}/coordinator/candidates`).
    struct Candidates: Decodable, Sendable {
        struct Staff: Decodable, Sendable {
            var personId: UUID
            var name: String
            var unitName: String
            var service: String
        }
        struct Family: Decodable, Sendable {
            var personId: UUID
            var relation: String
        }
        var staff: [Staff]
        var family: [Family]
    }

    /// `/v1/me/tasks`, the part about coordinated children.
    struct Tasks: Decodable, Sendable {
        struct CoordinatedChild: Decodable, Sendable {
            var childId: UUID
            var kind: String
            var name: String?
        }
        var coordinatedChildren: [CoordinatedChild]
    }

    /// A step of a child's timeline.
    struct TimelineEntry: Decodable, Sendable {
        var at: Date
        var kind: String
        var caseId: UUID?
        var originCaseId: UUID?
        var createdCaseId: UUID?
        var createdMeetingId: UUID?
        var meetingId: UUID?
    }

    /// A drøftingsteam's request about a case.
    struct DiscussionRequest: Decodable, Sendable {
        var status: String
        var consentId: UUID?
        var mayGiveFeedback: Bool
    }
}
