import Foundation

/// The intake's answer to a page's call, as loosely typed JSON for the templates: the pages
/// show what the API returns (already redacted for the person) and build nothing of their own.
struct APIAnswer: Sendable {
    var status: Int
    var body: [UInt8]

    /// The body as an object (``JSONReader``); empty when it is not one. Debug builds check it
    /// against `JSONSerialization`'s reading on every answer.
    var object: [String: Any] {
        let object = (try? JSONReader.parse(body)) as? [String: Any] ?? [:]
        #if DEBUG
        let foundation = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        assert(JSONReader.sameAsFoundation(object, foundation), "JSONReader read an answer of \(body.count) bytes unlike JSONSerialization")
        #endif
        return object
    }

    /// The problem's field violations (`errors` of problem+json): field → rule.
    var violations: [(field: String, rule: String)] {
        (object["errors"] as? [[String: Any]] ?? []).compactMap { error in
            guard let field = error["field"] as? String else { return nil }
            return (field, error["rule"] as? String ?? "")
        }
    }

    /// The problem's stable code (`validation`, `consent_required`, `version_conflict`, ...).
    var code: String { object["code"] as? String ?? "" }
}

extension IntakeClient {
    /// Calls the intake as `person`. 2xx and 4xx (other than 401) come back as an answer for
    /// the page to show; no answer or a 5xx is `unavailable`.
    func call(_ method: String, _ path: String, as person: UUID, json: Any? = nil) async throws(Failure) -> APIAnswer {
        var headers = ["Authorization: Bearer \(token(for: person))", "Accept: application/json, application/problem+json"]
        var body: [UInt8]?
        if let json {
            guard let data = try? JSONSerialization.data(withJSONObject: json) else { throw .unavailable }
            body = Array(data)
            headers.append("Content-Type: application/json")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.send(method, baseURL + path, headers: headers, body: body)
        } catch {
            throw .unavailable
        }
        switch response.status {
        case 401: throw .unauthorized
        case 200..<300, 400..<500: return APIAnswer(status: response.status, body: response.body)
        default: throw .unavailable
        }
    }

    /// GET `path` as a JSON object: 403 and 404 are both "not found" for the page.
    func object(_ path: String, as person: UUID) async throws(Failure) -> [String: Any] {
        let answer = try await call("GET", path, as: person)
        switch answer.status {
        case 200: return answer.object
        case 403, 404: throw .notFound
        default: throw .unavailable
        }
    }

    /// GET `path`'s `items` (a page of the list).
    func items(_ path: String, as person: UUID) async throws(Failure) -> [[String: Any]] {
        try await object(path, as: person)["items"] as? [[String: Any]] ?? []
    }
}
