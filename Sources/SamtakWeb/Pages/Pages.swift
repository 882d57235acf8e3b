import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import SamtakJOSE

/// The web's Mustache templates (resources under `Templates/`) and stylesheet (`Static/`).
/// Every page extends `layout` (bokmål, `lang="nb"`, a skip link, the sign-out button when
/// signed in). Values are HTML-escaped by Mustache.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    public let stylesheet: [UInt8]
    /// A short hash of the stylesheet, in its URL so browsers may keep it for long.
    public let stylesheetVersion: String

    public static func load() async throws -> PageRenderer {
        MustacheContentTypes.register(FastHTML(), named: FastHTML.name)
        guard let resources = Bundle.module.resourceURL else { throw MissingResource(name: "the SamtakWeb resource bundle") }
        let library = try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
        guard library.getTemplate(named: "layout") != nil else { throw MissingResource(name: "Templates/layout.mustache") }
        guard let css = FileManager.default.contents(atPath: resources.appendingPathComponent("Static/samtak.css").path) else {
            throw MissingResource(name: "Static/samtak.css")
        }
        let bytes = Array(css)
        return PageRenderer(library: library, stylesheet: bytes, stylesheetVersion: String(Base64URL.encode(Crypto.sha256(bytes)).prefix(12)))
    }

    struct MissingResource: Error, CustomStringConvertible {
        var name: String
        var description: String { "missing resource: \(name)" }
    }

    /// Renders `template` with `values` and the layout's own values. An empty string is
    /// nothing to the template (``withEmptyTextAsNothing(_:)``).
    func render(_ template: String, _ values: [String: Any], session: WebSession?) -> String {
        var values = Self.withEmptyTextAsNothing(values)
        values["stylesheetVersion"] = stylesheetVersion
        if let session {
            values["signedIn"] = true
            values["csrf"] = session.csrfToken
        }
        return library.render(values, withTemplate: template) ?? ""
    }

    /// `values` with every empty string, in nested dictionaries and arrays too, replaced by
    /// ``NoText``: `{{x}}` still writes nothing, but `{{#x}}` now skips its section and
    /// `{{^x}}` renders its own, as in most Mustache implementations. swift-mustache takes any
    /// string for true, so optional parts of a page showed empty: "(møtet )" linking to
    /// /moter/ for a case not yet placed, ", frist " for a follow-up without a due date.
    static func withEmptyTextAsNothing(_ values: [String: Any]) -> [String: Any] {
        var result = values
        for (key, value) in values {
            if let replaced = emptyTextAsNothing(value) { result[key] = replaced }
        }
        return result
    }

    /// The value to put in place of `value`, or nil to keep it (no copy when nothing changes).
    private static func emptyTextAsNothing(_ value: Any) -> Any? {
        switch value {
        case let text as String:
            return text.isEmpty ? NoText() : nil
        case let object as [String: Any]:
            var result: [String: Any]?
            for (key, item) in object {
                if let replaced = emptyTextAsNothing(item) {
                    if result == nil { result = object }
                    result![key] = replaced
                }
            }
            return result
        case let rows as [[String: Any]]:
            var result: [[String: Any]]?
            for (index, row) in rows.enumerated() {
                if let replaced = emptyTextAsNothing(row) as? [String: Any] {
                    if result == nil { result = rows }
                    result![index] = replaced
                }
            }
            return result
        case let items as [Any]:
            var result: [Any]?
            for (index, item) in items.enumerated() {
                if let replaced = emptyTextAsNothing(item) {
                    if result == nil { result = items }
                    result![index] = replaced
                }
            }
            return result
        default:
            return nil
        }
    }

    /// A page response. Pages are never cached (they may show personal data).
    func page(_ template: String, _ values: [String: Any], session: WebSession?, status: HTTPResponse.Status = .ok,
              extraHeaders: HTTPFields = [:]) -> Response {
        htmlResponse(status: status, html: render(template, values, session: session), headers: extraHeaders)
    }

    func errorPage(_ page: ErrorPage, reference: String, session: WebSession?, extraHeaders: HTTPFields = [:]) -> Response {
        var values: [String: Any] = ["heading": page.heading, "paragraphs": page.paragraphs, "reference": reference]
        if let action = page.action { values["action"] = ["label": action.label, "href": action.href] }
        return self.page("error", values, session: session, status: page.status, extraHeaders: extraHeaders)
    }
}

func htmlResponse(status: HTTPResponse.Status, html: String, headers extra: HTTPFields = [:]) -> Response {
    var headers = extra
    headers[.contentType] = "text/html; charset=utf-8"
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
}

/// A 303 to `location` (a path on this site or a provider's URL).
func redirect(to location: String, headers extra: HTTPFields = [:]) -> Response {
    var headers = extra
    headers[.location] = location
    headers[.cacheControl] = "no-store"
    return Response(status: .seeOther, headers: headers)
}

/// A page that says what went wrong and what to do, with the request's reference id.
struct ErrorPage: Error, Equatable, Sendable {
    struct Action: Equatable, Sendable {
        var label: String
        var href: String
    }

    var status: HTTPResponse.Status
    var heading: String
    var paragraphs: [String]
    var action: Action?
    /// Set-Cookie headers to send with the page (e.g. clearing an ended session's cookie).
    var cookies: [String] = []

    static let notFound = ErrorPage(status: .notFound, heading: "Siden finnes ikke", paragraphs: [
        "Vi finner ikke siden du ba om, eller du har ikke tilgang til den.",
        "Sjekk adressen, eller gå til forsiden og finn veien derfra.",
    ], action: Action(label: "Gå til forsiden", href: "/"))

    static let forbidden = ErrorPage(status: .forbidden, heading: "Du har ikke tilgang", paragraphs: [
        "Du har ikke tilgang til dette i Samtak.",
        "Mener du at du skal ha tilgang, kontakt lederen din eller kommunens systemansvarlig og oppgi referansen nedenfor.",
    ], action: Action(label: "Gå til forsiden", href: "/"))

    static let staleForm = ErrorPage(status: .forbidden, heading: "Skjemaet kunne ikke sendes", paragraphs: [
        "Skjemaet var utløpt eller kom ikke fra Samtak, så ingenting er endret.",
        "Gå tilbake til forsiden og prøv igjen.",
    ], action: Action(label: "Gå til forsiden", href: "/"))

    static let sessionEnded = ErrorPage(status: .unauthorized, heading: "Økten din er avsluttet", paragraphs: [
        "Du har vært inaktiv for lenge, økten har nådd sin lengste varighet, eller du har logget ut. Ingenting er vist eller endret.",
        "Logg inn på nytt for å fortsette.",
    ], action: Action(label: "Logg inn på nytt", href: "/logg-inn"))

    static let internalError = ErrorPage(status: .internalServerError, heading: "Noe gikk galt hos oss", paragraphs: [
        "Samtak kunne ikke vise siden på grunn av en feil hos oss. Ingenting er endret.",
        "Prøv igjen om litt. Hvis feilen varer, kontakt kommunens brukerstøtte og oppgi referansen nedenfor.",
    ], action: Action(label: "Gå til forsiden", href: "/"))

    static let intakeUnavailable = ErrorPage(status: .badGateway, heading: "Samtak svarer ikke akkurat nå", paragraphs: [
        "Samtak fikk ikke hentet opplysningene dine. Ingenting er endret.",
        "Prøv igjen om noen minutter. Hvis feilen varer, kontakt kommunens brukerstøtte og oppgi referansen nedenfor.",
    ], action: Action(label: "Prøv igjen", href: "/"))
}

/// A section over a text or a number (`{{#caseId}}…{{/caseId}}`) pushes the value itself on
/// the context stack, and every name looked up inside the section is first looked up in it
/// by reflection (`Mirror`) before the enclosing row is tried. As parents without children,
/// they answer at once: rendering a 30-item agenda went from 41 % to 35 % of samtak-web's CPU
/// time (perf profile under bench row 7's load, issue 15). `{{.}}` inside such a section still
/// renders the value.
extension String: @retroactive MustacheParent {
    public func child(named: String) -> Any? { nil }
}

extension Int: @retroactive MustacheParent {
    public func child(named: String) -> Any? { nil }
}

/// HTML escaping for the templates (each starts with `{{% CONTENT_TYPE: SAMTAK_HTML}}`): the
/// same five characters as Mustache's own HTML type (`<`, `>`, `&`, `"`, `'`), done on the
/// UTF-8 bytes, and a text without any of them is returned as it is. Mustache's own looks
/// every character up in a dictionary of `Character`s; it was 9 % of samtak-web's CPU time on
/// a 30-item agenda. A template without the pragma is still escaped, by Mustache's own type.
/// An empty text as the templates see it: it writes nothing, and a section over it is skipped
/// (an inverted one rendered).
struct NoText: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}

struct FastHTML: MustacheContentType {
    static let name = "SAMTAK_HTML"

    func escapeText(_ text: String) -> String {
        let special = text.utf8.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }
        guard special else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
