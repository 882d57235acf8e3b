import Foundation
import Hummingbird
import SamtakJOSE
import SamtakRuntime
@testable import SamtakWeb
import Testing

/// The web's pure parts: configuration, cookies, return paths, failure pages, templates and
/// headers. The flows themselves are tested end to end in Tests/browser (pytest).
@Suite("Web: configuration, cookies, pages")
struct WebUnitTests {
    @Test("development defaults: staff and citizen sign-in at the local provider, plain-http cookies")
    func developmentDefaults() throws {
        let configuration = try WebConfiguration(environment: [:])
        #expect(configuration.providers.map(\.name) == ["ansatt", "innbygger"])
        #expect(configuration.providers.map(\.kind) == [.staff, .citizen])
        #expect(configuration.providers.allSatisfy { $0.issuer == "http://127.0.0.1:9400" && $0.algorithm == .rs256 })
        #expect(configuration.redirectURI(configuration.providers[0]) == "http://127.0.0.1:8090/logg-inn/ansatt/callback")
        #expect(!configuration.secureCookies)
        #expect(Cookies.sessionName(configuration) == "samtak_session")
        #expect(Cookies.set("samtak_session", "v", maxAge: nil, configuration) == "samtak_session=v; Path=/; HttpOnly; SameSite=Lax")
        #expect(configuration.sessionIdle == 1800 && configuration.sessionLifetime == 8 * 3600)
    }

    @Test("production: https everywhere, a client secret and a signing key of its own; __Host- cookies")
    func production() throws {
        let key = ES256PrivateKey.generate()
        var environment = [
            "SAMTAK_ENV": "production", "SAMTAK_WEB_PUBLIC_URL": "https://samtak.nordby.kommune.no",
            "SAMTAK_WEB_SIGNING_KEY": key.pem, "SAMTAK_WEB_PROVIDERS": "feide,idporten",
            "SAMTAK_WEB_PROVIDER_FEIDE_ISSUER": "https://auth.dataporten.no", "SAMTAK_WEB_PROVIDER_FEIDE_CLIENT_ID": "abc",
            "SAMTAK_WEB_PROVIDER_FEIDE_CLIENT_SECRET": "s3cret",
            "SAMTAK_WEB_PROVIDER_IDPORTEN_ISSUER": "https://idporten.no", "SAMTAK_WEB_PROVIDER_IDPORTEN_KIND": "citizen",
            "SAMTAK_WEB_PROVIDER_IDPORTEN_CLIENT_ID": "def", "SAMTAK_WEB_PROVIDER_IDPORTEN_CLIENT_SECRET": "t0p",
            "SAMTAK_WEB_PROVIDER_IDPORTEN_ACR_VALUES": "idporten-loa-substantial",
            "SAMTAK_IDENTITY_HASH_KEY": String(repeating: "h", count: 32), "SAMTAK_IDENTITY_ENCRYPTION_KEY": String(repeating: "e", count: 32),
        ]
        let configuration = try WebConfiguration(environment: environment)
        #expect(configuration.secureCookies)
        #expect(Cookies.sessionName(configuration) == "__Host-samtak_session")
        #expect(Cookies.set("__Host-samtak_session", "v", maxAge: nil, configuration).hasSuffix("; Secure"))
        #expect(configuration.provider(named: "idporten")?.kind == .citizen)
        #expect(configuration.provider(named: "idporten")?.acrValues == "idporten-loa-substantial")
        #expect(configuration.provider(named: "feide")?.scopes == "openid profile email")
        #expect(SecurityHeaders(configuration: configuration).strictTransport)
        for (variable, value) in [("SAMTAK_WEB_PUBLIC_URL", "http://samtak.example"), ("SAMTAK_WEB_PROVIDER_FEIDE_ISSUER", "http://auth.example"),
                                  ("SAMTAK_WEB_SIGNING_KEY", WebAccessToken.developmentSigningKeyPEM),
                                  ("SAMTAK_WEB_PROVIDER_FEIDE_ALGORITHM", "HS256"), ("SAMTAK_WEB_PROVIDER_FEIDE_SCOPES", "profile email")] {
            var changed = environment
            changed[variable] = value
            #expect(throws: ConfigurationError.self, "\(variable)") { try WebConfiguration(environment: changed) }
        }
        environment["SAMTAK_WEB_PROVIDER_FEIDE_CLIENT_SECRET"] = nil
        #expect(throws: ConfigurationError.self) { try WebConfiguration(environment: environment) }
        #expect(throws: ConfigurationError.self) { try WebConfiguration(environment: ["SAMTAK_WEB_PROVIDERS": "Feide"]) }
        #expect(throws: ConfigurationError.self) { try WebConfiguration(environment: ["SAMTAK_WEB_PROVIDERS": "a,a"]) }
    }

    @Test("the page to return to after sign-in stays on this site")
    func returnPath() {
        #expect(WebRoutes.localPath("/moter/3?vis=agenda") == "/moter/3?vis=agenda")
        for hostile in [nil, "", "https://evil.example/", "//evil.example", "/\\evil.example", "evil", "/a\u{0}b", "/a\\b",
                        "/" + String(repeating: "a", count: 600)] {
            #expect(WebRoutes.localPath(hostile) == "/", "\(String(describing: hostile))")
        }
    }

    @Test("every sign-in failure has its own audit code and a bokmål page with something to do")
    func failures() {
        let failures: [SignInFailure] = [
            .unknownState, .otherBrowser, .providerError, .malformedResponse, .providerUnavailable, .providerMisconfigured,
            .brokenKeySet, .codeRejected, .idToken(.badSignature), .idToken(.algorithmNotAllowed), .idToken(.unknownKey),
            .idTokenClaims(.expired), .idTokenClaims(.missingNonce), .missingIdentity, .notRegistered, .ambiguous,
        ]
        #expect(Set(failures.map(\.outcome)).count == failures.count)
        for failure in failures {
            let page = failure.page(providerLabel: "Logg inn som ansatt")
            #expect((400..<600).contains(page.status.code) && page.status != .internalServerError)
            #expect(page.paragraphs.count >= 2 && page.paragraphs.allSatisfy { !$0.isEmpty })
        }
        #expect(SignInFailure.notRegistered.page(providerLabel: nil).paragraphs.joined().contains("systemansvarlig"))
    }

    @Test("templates: the layout in bokmål with a skip link; values are HTML-escaped; the stylesheet is ours")
    func templates() async throws {
        let pages = try await PageRenderer.load()
        let html = pages.render("error", ["heading": "<script>alert(1)</script>", "paragraphs": ["a & b"], "reference": "r-1"], session: nil)
        #expect(html.contains(#"<html lang="nb">"#))
        #expect(html.contains(##"<a class="hopp" href="#hovedinnhold">Hopp til hovedinnholdet</a>"##))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(html.contains("a &amp; b"))
        #expect(html.contains("/static/samtak.css?v=\(pages.stylesheetVersion)"))
        #expect(!html.contains("Logg ut"))
        let session = WebSession(idHash: [], personId: UUID(), provider: "ansatt", issuer: "i", csrfToken: "tok\"en", idTokenSealed: nil)
        let signedIn = pages.render("signed_out", [:], session: session)
        #expect(signedIn.contains(#"name="_csrf" value="tok&quot;en""#))
        #expect(!pages.stylesheet.isEmpty && !String(decoding: pages.stylesheet, as: UTF8.self).contains("http"))
        // The templates' own escaping (FastHTML): the page starts with its doctype (the pragma line
        // leaves nothing), and escapes exactly as Mustache's HTML type, also in an inherited block
        // and a partial.
        #expect(html.hasPrefix("<!doctype html>"), "\(html.prefix(40))")
        let tricky = "<b>æ & \"ø\" 'å'</b> 😀"
        #expect(FastHTML().escapeText(tricky) == "&lt;b&gt;æ &amp; &quot;ø&quot; &#39;å&#39;&lt;/b&gt; 😀")
        #expect(FastHTML().escapeText("plain æøå") == "plain æøå")
        let meeting = pages.render("meeting", [
            "arenaName": tricky, "agendaItems": WebRoutes.agendaItemsHTML([["title": tricky, "caseId": "x\"y"]]), "hasAgenda": true,
            "errors": [["field": "a", "message": tricky]], "hasErrors": true,
        ], session: nil)
        #expect(!meeting.contains("<b>") && meeting.contains("&lt;b&gt;æ &amp; &quot;ø&quot; &#39;å&#39;&lt;/b&gt;"))
        #expect(!meeting.contains("x\"y") && meeting.contains("x&quot;y"))
    }

    @Test("an empty text is nothing to a template: its section is skipped, its inverted section shown, in rows too")
    func emptyTextIsNothing() async throws {
        let pages = try await PageRenderer.load()
        let values: [String: Any] = [
            "arenaName": "Ressursteam", "message": "", "hasAgenda": false, "hasParticipants": true,
            "participants": [["name": "Kari", "detail": "", "scope": "deler av møtet"], ["name": "Ola", "detail": "rektor", "scope": ""]],
        ]
        let html = pages.render("meeting", values, session: nil)
        #expect(!html.contains(#"class="varsel""#))                      // {{#message}} over ""
        #expect(html.contains("Ingen saker på sakslisten ennå."))         // {{^hasAgenda}}
        #expect(html.contains("<li>Kari <span class=\"merkelapp\">deler av møtet</span>"))
        #expect(html.contains("<li>Ola (rektor)\n") || html.contains("<li>Ola (rektor)"))
        #expect(!html.contains("()") && !html.contains(#"<span class="merkelapp"></span>"#))
        // Values other than empty strings are left as they are, and nothing is copied needlessly.
        let kept = PageRenderer.withEmptyTextAsNothing(["a": "x", "b": 0, "c": false, "d": [1, 2], "e": [["f": "y"]]])
        #expect(kept["a"] as? String == "x" && kept["b"] as? Int == 0 && kept["c"] as? Bool == false)
        #expect((kept["e"] as? [[String: Any]])?.first?["f"] as? String == "y")
        let replaced = PageRenderer.withEmptyTextAsNothing(["a": "", "e": [["f": ""]], "g": ["", "z"]])
        #expect(replaced["a"] is NoText && (replaced["e"] as? [[String: Any]])?.first?["f"] is NoText)
        #expect((replaced["g"] as? [Any])?.first is NoText && (replaced["g"] as? [Any])?.last as? String == "z")
    }

    @Test("security headers: no inline script, no framing, no referrer; form-action reaches the providers")
    func headers() throws {
        let configuration = try WebConfiguration(environment: [:])
        var fields = HTTPFields()
        SecurityHeaders(configuration: configuration).apply(to: &fields)
        let csp = try #require(fields[.contentSecurityPolicy])
        #expect(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"))
        #expect(csp.contains("form-action 'self' http://127.0.0.1:9400"))
        #expect(fields[.init("Referrer-Policy")!] == "no-referrer")
        #expect(fields[.xContentTypeOptions] == "nosniff")
        #expect(fields[.strictTransportSecurity] == nil)
    }

    @Test("form values are percent-encoded as ASCII (no raw æøå)")
    func formEncoding() {
        #expect(formBody([("til", "/møter?a=1&b=2"), ("x y", "~._-")]) == "til=%2Fm%C3%B8ter%3Fa%3D1%26b%3D2&x%20y=~._-")
    }
}
