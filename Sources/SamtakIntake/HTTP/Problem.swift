import Foundation
import Hummingbird
import SamtakDomain

/// An RFC 9457 problem: `application/problem+json`, machine-readable, naming the field and
/// the rule broken. Never contains the rejected value, a stack trace or SQL; its `instance`
/// is the route template (`/v1/children/{id}`), never the path as sent.
public struct Problem: Error, HTTPResponseError, Sendable, Equatable {
    public struct Violation: Codable, Sendable, Equatable {
        /// JSON path of the field, e.g. `participants[0].role`, or a query parameter name.
        public var field: String
        /// A stable code, e.g. `required`, `format`, `unknown_field`, `consent_required`.
        public var rule: String
        /// Human-readable, without the value.
        public var message: String
        public init(field: String, rule: String, message: String) {
            self.field = field
            self.rule = rule
            self.message = message
        }
    }

    public var status: HTTPResponse.Status
    /// A stable code; the `type` URI is derived from it.
    public var code: String
    public var title: String
    public var detail: String?
    public var violations: [Violation]
    /// The path of an existing record the request collides with, when the caller may see it.
    public var existing: String?

    public init(_ status: HTTPResponse.Status, code: String, title: String, detail: String? = nil, violations: [Violation] = [],
                existing: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.violations = violations
        self.existing = existing
    }

    public static func validation(_ violations: [Violation], detail: String? = nil) -> Problem {
        Problem(.unprocessableContent, code: "validation", title: "The request has invalid fields",
                detail: detail ?? violations.map { "\($0.field): \($0.message)" }.joined(separator: "; "), violations: violations)
    }

    public static func field(_ field: String, _ rule: String, _ message: String) -> Problem {
        validation([Violation(field: field, rule: rule, message: message)])
    }

    /// 404 for anything the caller may not see, whether it exists or not.
    public static func notFound(_ what: String) -> Problem {
        Problem(.notFound, code: "not_found", title: "\(what) not found")
    }

    public static let unauthorized = Problem(.unauthorized, code: "unauthorized", title: "A valid bearer token is required")
    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, code: "forbidden", title: "Not allowed", detail: detail)
    }
    public static func conflict(_ code: String, _ detail: String) -> Problem {
        Problem(.conflict, code: code, title: "The request conflicts with the current state", detail: detail)
    }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var code: String
        var instance: String?
        var errors: [Violation]?
        var existing: String?
    }

    public func body(instance: String?) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = Body(type: "https://samtak.no/problems/\(code)", title: title, status: Int(status.code), detail: detail,
                        code: code, instance: instance, errors: violations.isEmpty ? nil : violations, existing: existing)
        return (try? encoder.encode(body)) ?? Data(#"{"title":"error"}"#.utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(instance: Self.instance(context))
    }

    /// The route the request matched, as its template (`/v1/cases/{id}`): never the path as
    /// sent, which may carry anything. Nil when no route matched.
    public static func instance(_ context: some RequestContext) -> String? {
        guard let path = context.endpointPath, path != "NotFound", path.hasPrefix("/") else { return nil }
        return path
    }

    public func response(instance: String?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="samtak""# }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body(instance: instance))))
    }
}
