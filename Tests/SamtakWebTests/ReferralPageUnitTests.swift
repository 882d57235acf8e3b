import Foundation
@testable import SamtakWeb
import Testing

/// The pure parts of issue 16's pages: every gap the API names has a bokmål sentence at its
/// field, the notices' links open the pages, and the outcomes the follow-up list offers.
@Suite("Web: the BUP intake pages (pure parts)")
struct ReferralPageUnitTests {
    @Test("each required field has its own bokmål message, for each rule the API uses")
    func referralMessages() {
        let pairs = [("parental_responsibility", "missing"), ("parental_responsibility", "mismatch"), ("daily_care", "missing"),
                     ("daily_care", "mismatch"), ("consented_by", "missing"), ("consented_by", "incomplete"), ("consented_by", "not_guardian"),
                     ("question", "missing"), ("question", "max_length"), ("measures_tried", "missing"), ("current_services", "missing"),
                     ("child_id", "no_guardians")]
        let messages = pairs.map { WebRoutes.referralMessage(field: $0.0, rule: $0.1) }
        #expect(Set(messages).count == messages.count)
        #expect(!messages.contains("Feltet er ikke gyldig."))
        #expect(WebRoutes.referralFields.map(\.field) == ["parental_responsibility", "daily_care", "consented_by", "question", "measures_tried",
                                                         "current_services"])
    }

    @Test("notice links open the referral, the follow-up list and the handover; others have no link")
    func noticeLinks() {
        let id = UUID()
        #expect(WebRoutes.noticePage("/v1/referrals/\(id.uuidString)") == "/henvisninger/\(id.uuidString.lowercased())")
        #expect(WebRoutes.noticePage("/v1/referral-follow-ups") == "/oppfolging")
        #expect(WebRoutes.noticePage("/v1/referrals/ikke-en-id") == "")
        #expect(WebRoutes.noticePage("/v1/coordinator-handovers/\(id)") == "/koordinator/overtakelser/\(id.uuidString.lowercased())")
        #expect(WebRoutes.noticePage("/v1/children/\(id)/coordinator") == "")
        #expect(Bokmal.notice("referral_follow_up_overdue").contains("Fristen"))
        // Notices that link to a page of their own: that page, and only in the notifier's form.
        #expect(WebRoutes.noticePage("/mobbing/\(id.uuidString)") == "/mobbing/\(id.uuidString.lowercased())")
        #expect(WebRoutes.noticePage("/samtaler/\(id.uuidString.lowercased())") == "/samtaler/\(id.uuidString.lowercased())")
        for other in ["/mobbing/ny", "//mobbing/\(id)", "/mobbing/\(id)/deleger", "https://example.org/mobbing/\(id)", "/samtaler/rapport"] {
            #expect(WebRoutes.noticePage(other) == "", "\(other)")
        }
        #expect(Bokmal.notice("bullying_team_established").contains("team mot mobbing"))
        #expect(Bokmal.notice("talk_reminder").contains("samtale"))
    }

    @Test("the outcomes offered are the API's codes, and only 'no further action' asks for a reason in its label")
    func outcomes() {
        #expect(WebRoutes.outcomes.map(\.code) == ["other_service_offered", "samarbeidsmote_called", "new_referral", "no_further_action"])
        #expect(WebRoutes.outcomes.filter { $0.label.contains("begrunnelse") }.map(\.code) == ["no_further_action"])
    }
}
