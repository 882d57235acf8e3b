import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SamtakJOSE
import SamtakPostgres
import SamtakRuntime

/// Everything the web's handlers share.
public struct WebEnvironment: Sendable {
    public let configuration: WebConfiguration
    let pages: PageRenderer
    let signIn: SignIn
    let store: SignInStore
    let intake: IntakeClient
    let logger: Logger
    let securityHeaders: SecurityHeaders

    public init(configuration: WebConfiguration, pool: PostgresPool, pages: PageRenderer, logger: Logger) {
        self.configuration = configuration
        self.pages = pages
        self.logger = logger
        let client = CurlHTTPClient.withOwnThreads(configuration.intakeConnections)
        store = SignInStore(pool: pool)
        signIn = SignIn(configuration: configuration, store: store, client: client, logger: logger)
        intake = IntakeClient(baseURL: configuration.intakeURL, key: configuration.signingKey, client: client)
        securityHeaders = SecurityHeaders(configuration: configuration)
    }
}

/// The web's router: health, the stylesheet, the web's public key set, sign-in and sign-out,
/// and the pages. Every response gets the security headers; every error becomes a bokmål page
/// with a reference id.
public func buildWebRouter(_ web: WebEnvironment, dependencies: Dependencies) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    addOperationsRoutes(to: router, dependencies: dependencies, logger: web.logger)
    router.add(middleware: WebPageMiddleware(web: web))
    let routes = WebRoutes(web: web)
    router.get("/static/samtak.css", use: routes.stylesheet)
    router.get("/.well-known/jwks.json", use: routes.jwks)
    router.get("/", use: routes.home)
    router.get("/logg-inn", use: routes.signInPage)
    router.get("/logg-inn/{provider}", use: routes.startSignIn)
    router.get("/logg-inn/{provider}/callback", use: routes.callback)
    router.post("/logg-ut", use: routes.signOut)
    router.get("/logget-ut", use: routes.signedOut)
    // Issue 15: the school's side.
    router.get("/saker/ny", use: routes.newCaseForm)
    router.post("/saker/ny", use: routes.submitCase)
    router.get("/saker/{id}", use: routes.casePage)
    router.post("/saker/{id}/trekk", use: routes.withdrawCase)
    router.get("/moter/{id}", use: routes.meetingPage)
    router.get("/moter/{id}/kalender.ics", use: routes.meetingCalendar)
    router.post("/moter/{id}/publiser", use: routes.publishAgenda)
    router.post("/moter/{id}/avlys", use: routes.cancelMeeting)
    router.post("/moter/{id}/flytt", use: routes.moveMeeting)
    router.get("/moter/{id}/deltakere/ny", use: routes.invitePage)
    router.post("/moter/{id}/deltakere", use: routes.inviteParticipant)
    router.post("/moter/{id}/deltakere/{personId}/fjern", use: routes.removeParticipant)
    router.get("/moter/{id}/referat", use: routes.minutesPage)
    router.post("/moter/{id}/referat", use: routes.saveMinutes)
    router.post("/moter/{id}/referat/godkjenn", use: routes.approveMinutes)
    router.get("/arenaer/{id}", use: routes.arenaPage)
    // The notifier's e-mail links (`SAMTAK_PUBLIC_URL` is this web) open the pages.
    router.get("/v1/meetings/{id}", use: routes.mailLink)
    router.get("/v1/meetings/{id}/minutes", use: routes.mailLink)
    // Families (issue 17).
    router.get("/mine-barn", use: routes.myChildrenPage)
    router.get("/mine-barn/{id}", use: routes.childPage)
    router.get("/mine-barn/{id}/samtykke", use: routes.newConsentForm)
    router.post("/mine-barn/{id}/samtykke", use: routes.giveFamilyConsent)
    router.post("/mine-barn/{id}/samtykke/{consent_id}/trekk", use: routes.withdrawFamilyConsent)
    router.get("/mine-barn/{id}/samtykke/{consent_id}/endre", use: routes.narrowConsentForm)
    router.post("/mine-barn/{id}/samtykke/{consent_id}/endre", use: routes.narrowFamilyConsent)
    router.post("/mine-barn/{id}/forslag/{proposal_id}/signer", use: routes.signFamilyConsent)
    router.get("/mine-barn/{id}/innsyn", use: routes.innsynPage)
    // Issue 16: BUP referrals, the intake meeting, follow-up of rejected referrals.
    router.get("/henvisninger/ny", use: routes.newReferralForm)
    router.post("/henvisninger/ny", use: routes.submitReferral)
    router.get("/henvisninger/{id}", use: routes.referralPage)
    router.post("/henvisninger/{id}/fullfor", use: routes.completeReferral)
    router.get("/inntaksmoter/{id}", use: routes.intakePage)
    router.post("/inntaksmoter/{id}", use: routes.saveIntake)
    router.post("/inntaksmoter/{id}/godkjenn", use: routes.approveIntake)
    router.post("/inntaksmoter/{id}/notat/{case}", use: routes.addIntakeNote)
    router.get("/oppfolging", use: routes.followUpsPage)
    router.post("/oppfolging/{id}/lukk", use: routes.closeFollowUp)
    router.get("/v1/referrals/{id}", use: routes.referralMailLink)
    router.get("/v1/referral-follow-ups", use: routes.referralMailLink)
    router.get("/koordinator/overtakelser/{id}", use: routes.handoverPage)
    router.post("/koordinator/overtakelser/{id}/godta", use: routes.acceptHandover)
    router.post("/koordinator/overtakelser/{id}/avsla", use: routes.declineHandover)
    router.get("/v1/coordinator-handovers/{id}", use: routes.handoverMailLink)
    // Issue 18: utviklingssamtaler and foreldresamtaler.
    router.get("/samtaler", use: routes.talkList)
    router.get("/samtaler/ny", use: routes.talkPlanForm)
    router.post("/samtaler/ny", use: routes.submitTalkPlan)
    router.get("/samtaler/rapport", use: routes.talkReport)
    router.get("/samtaler/{id}", use: routes.talkRoundPage)
    router.post("/samtaler/{id}/bestill", use: routes.bookTalk)
    router.post("/samtaler/{id}/tider/{slot}/avlys", use: routes.cancelTalk)
    router.get("/samtaler/{id}/tider/{slot}/referat", use: routes.talkSummaryForm)
    router.post("/samtaler/{id}/tider/{slot}/referat", use: routes.saveTalkSummary)
    router.get("/samtaler/{id}/tider/{slot}/kalender.ics", use: routes.talkCalendar)
    router.post("/arenaer/{id}/kall-inn", use: routes.callArenaMeeting)
    // Issue 16: one child's cooperation for the coordinator (Pages/ChildPages.swift).
    router.get("/barn", use: routes.unitChildrenPage)
    router.get("/barn/{id}", use: routes.cooperationChildPage)
    router.get("/barn/{id}/stafettlogg", use: routes.coordinationLogPage)
    router.post("/barn/{id}/stafettlogg/apne", use: routes.openCoordinationLog)
    router.post("/barn/{id}/stafettlogg/{log}/tiltak", use: routes.addLogMeasure)
    router.post("/barn/{id}/stafettlogg/{log}/notat", use: routes.addLogNote)
    router.post("/barn/{id}/stafettlogg/{log}/lukk", use: routes.closeCoordinationLog)
    router.get("/barn/{id}/stafettlogg/{log}/eksport", use: routes.exportCoordinationLog)
    router.post("/barn/{id}/tiltak/{measure}/evaluering", use: routes.evaluateLogMeasure)
    router.get("/barn/{id}/koordinator", use: routes.coordinatorPage)
    router.post("/barn/{id}/koordinator/overta", use: routes.requestCoordinatorHandover)
    router.post("/barn/{id}/koordinator/overtakelser/{handover}/trekk", use: routes.cancelCoordinatorHandover)
    router.get("/barn/{id}/moter/ny", use: routes.callChildMeetingForm)
    router.post("/barn/{id}/moter/ny", use: routes.callChildMeeting)
    router.get("/barn/{id}/plan", use: routes.individualPlanPage)
    router.post("/barn/{id}/plan", use: routes.saveIndividualPlan)
    router.post("/barn/{id}/plan/{plan}/tiltak", use: routes.addPlanMeasure)
    // Issues 17 and 18 (arenas' flows): cancelling a waiting consent, ...
    router.post("/mine-barn/{id}/forslag/{proposal_id}/avbryt", use: routes.cancelFamilyProposal)
    router.get("/barn/{id}/ungdom", use: routes.youngPersonForm)
    router.post("/barn/{id}/ungdom", use: routes.linkYoungPerson)
    router.get("/mobbing/ny", use: routes.bullyingTeamForm)
    router.post("/mobbing/ny", use: routes.establishBullyingTeam)
    router.get("/mobbing/{id}", use: routes.bullyingTeamPage)
    router.post("/mobbing/{id}/deleger", use: routes.delegateBullyingTeam)
    router.get("/drofting/{id}", use: routes.discussionTeamPage)
    router.post("/drofting/{id}", use: routes.requestDiscussionTeam)
    router.post("/drofting/{id}/tilbakemelding", use: routes.discussionTeamFeedback)
    // Issue 16: transition seasons and the beslutningsteam's case form.
    router.get("/overganger", use: routes.transitionList)
    router.get("/overganger/ny", use: routes.transitionPlanForm)
    router.post("/overganger/ny", use: routes.submitTransitionPlan)
    router.get("/overganger/{id}", use: routes.transitionSeasonPage)
    router.post("/overganger/{id}/barn/{item}", use: routes.saveTransitionArrangements)
    router.post("/overganger/{id}/barn/{item}/ansvarsgruppe", use: routes.establishTransitionAnsvarsgruppe)
    router.get("/beslutningsteam/ny", use: routes.newDecisionCaseForm)
    router.post("/beslutningsteam/ny", use: routes.submitDecisionCase)
    router.get("/beslutningsteam/saker/{id}", use: routes.decisionCasePage)
    return router
}

/// `samtak-web` as the executable runs it.
public enum WebService {
    public static func run() async throws {
        let host = ServiceHost.start(serviceName: "samtak-web", defaultHTTPPort: 8090, usesKafka: false)
        let configuration: WebConfiguration
        let pages: PageRenderer
        do {
            configuration = try WebConfiguration(environment: host.configuration.environment)
            pages = try await PageRenderer.load()
        } catch {
            host.logger.critical("cannot start", metadata: ["error": "\(error)"])
            exit(2)
        }
        let web = WebEnvironment(configuration: configuration, pool: host.pool, pages: pages, logger: host.logger)
        host.logger.info("web configured", metadata: [
            "public_url": "\(configuration.origin)", "intake": "\(configuration.intakeURL)",
            "providers": "\(configuration.providers.map { "\($0.name)(\($0.kind.rawValue))=\($0.issuer)" }.joined(separator: ", "))",
            "signing_key": "\(configuration.signingKey.publicKey.thumbprint)",
        ])
        try await host.run(responder: buildWebRouter(web, dependencies: host.dependencies).buildResponder(), workers: [])
    }
}

/// The headers every response carries: a Content-Security-Policy without inline script,
/// framing forbidden, no referrer (URLs carry ids), no MIME sniffing.
struct SecurityHeaders: Sendable {
    let contentSecurityPolicy: String
    let strictTransport: Bool

    init(configuration: WebConfiguration) {
        // A form's redirect is checked against form-action: sign-out goes on to the providers.
        var formTargets = ["'self'"]
        for provider in configuration.providers {
            if let url = URL(string: provider.issuer), let scheme = url.scheme, let host = url.host {
                let origin = "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
                if !formTargets.contains(origin) { formTargets.append(origin) }
            }
        }
        contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action \(formTargets.joined(separator: " ")); "
            + "frame-ancestors 'none'; base-uri 'none'"
        strictTransport = configuration.secureCookies
    }

    func apply(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        if strictTransport { headers[.strictTransportSecurity] = "max-age=31536000" }
    }
}

/// Turns errors into bokmål pages (with the request id as reference) and adds the security
/// headers to every response.
struct WebPageMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let web: WebEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let redirect as WebRoutes.RedirectToSignIn {
            response = WebRoutes.signInRedirect(returnTo: redirect.returnTo)
        } catch let page as ErrorPage {
            response = web.pages.errorPage(page, reference: context.id, session: nil, extraHeaders: Cookies.setCookieFields(page.cookies))
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            response = web.pages.errorPage(.notFound, reference: context.id, session: nil)
        } catch let error as HTTPError where (400..<500).contains(error.status.code) {
            response = web.pages.errorPage(ErrorPage(status: error.status, heading: "Forespørselen kunne ikke behandles", paragraphs: [
                "Samtak forsto ikke forespørselen. Ingenting er endret.",
            ], action: .init(label: "Gå til forsiden", href: "/")), reference: context.id, session: nil)
        } catch {
            web.logger.error("unhandled error", metadata: ["error_type": "\(type(of: error))", "request_id": "\(context.id)",
                                                           "path": "\(context.endpointPath ?? "")"])
            response = web.pages.errorPage(.internalError, reference: context.id, session: nil)
        }
        web.securityHeaders.apply(to: &response.headers)
        return response
    }
}

/// Cookie names and Set-Cookie values. Behind TLS the cookies are `Secure` and carry the
/// `__Host-` prefix (no Domain, Path=/), so no other site or subdomain can set them.
enum Cookies {
    static func sessionName(_ configuration: WebConfiguration) -> String {
        configuration.secureCookies ? "__Host-samtak_session" : "samtak_session"
    }

    static func signInName(_ configuration: WebConfiguration) -> String {
        configuration.secureCookies ? "__Host-samtak_signin" : "samtak_signin"
    }

    static func set(_ name: String, _ value: String, maxAge: Int?, _ configuration: WebConfiguration) -> String {
        var cookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if configuration.secureCookies { cookie += "; Secure" }
        return cookie
    }

    static func clear(_ name: String, _ configuration: WebConfiguration) -> String {
        set(name, "", maxAge: 0, configuration)
    }

    static func setCookieFields(_ cookies: [String]) -> HTTPFields {
        var fields = HTTPFields()
        for cookie in cookies { fields.append(HTTPField(name: .setCookie, value: cookie)) }
        return fields
    }
}
