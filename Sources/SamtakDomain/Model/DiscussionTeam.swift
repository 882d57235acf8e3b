import Foundation

/// # Drøftingsteam barnehage: observation with feedback, or a reflecting team (seed 003, issue 18)
///
/// A kindergarten brings a case to "Drøftingsteam barnehage" (PPT and the municipality's
/// special-needs kindergarten team) and asks for one of the team's two ways of working:
/// **observation** of the child, with discussion and **feedback to the kindergarten
/// afterwards**, or a **reflecting team**. "Observasjon og drøfting av enkeltbarn krever
/// samtykke fra foreldrene": observation needs a named case and a consent in force that names
/// the drøftingsteam itself (the parents agreed to this team observing their child); without
/// it the request is refused (the page says so in bokmål). A reflecting team needs nothing more
/// than the case itself (it may be anonymous).
///
/// **Table** (`Schema/0024_arena_flows.sql`) `discussion_team_requests`, one per case: mode,
/// the consent the observation rests on, who asked and when; state machine
/// `requested → feedback_given` (observation only: the feedback text, who gave it, when).
///
/// **Who**: the case's owner or submitter (the kindergarten) asks; a participant of the arena
/// who sees the case in full records the feedback; the request and feedback are shown to
/// whoever sees the case in full (the kindergarten's case owner first of all), each read logged.
///
/// **Events** (topic `cases`, key = case id, ids and codes only): `discussion_team.requested`
/// (case id, mode), `discussion_team.feedback_given` (case id).
public enum DiscussionTeam {
    public enum Mode: String, Codable, Sendable, CaseIterable, Hashable {
        case observation
        case reflectingTeam = "reflecting_team"
    }

    public enum Status: String, Codable, Sendable, CaseIterable, Hashable {
        case requested
        case feedbackGiven = "feedback_given"
    }

    /// The consent an observation of this case rests on: one in force at `instant` that names
    /// the arena itself; nil when there is none (or the case names no child).
    public static func observationConsent(caseKind: CaseKind, arenaId: UUID, consents: [ConsentGrant], at instant: Date) -> ConsentGrant? {
        guard caseKind == .named else { return nil }
        return consents.first { $0.isActive(at: instant) && $0.arenaIds.contains(arenaId) }
    }

    /// Why the request cannot be made as asked (empty when it can): the arena must be a
    /// drøftingsteam; observation needs a named case and the consent (``observationConsent``).
    public static func requestViolations(mode: Mode, arenaKind: ArenaKind?, caseKind: CaseKind, observationConsent: ConsentGrant?)
        -> [ConsentViolation] {
        guard arenaKind == .droftingsteam else {
            return [.init("case_id", "not_droftingsteam", "only a case to Drøftingsteam barnehage asks for observation or a reflecting team")]
        }
        guard mode == .observation else { return [] }
        if caseKind != .named {
            return [.init("mode", "observation_needs_named_case", "observation of a child needs a case with the child's name and the parents' consent")]
        }
        if observationConsent == nil {
            return [.init("mode", "observation_consent_required", "observation of a child needs a consent from the parents that names the drøftingsteam")]
        }
        return []
    }

    /// `requested → feedback_given`: only an observation waiting for its feedback.
    public static func feedbackAllowed(mode: Mode, status: Status) -> Bool {
        mode == .observation && status == .requested
    }
}
