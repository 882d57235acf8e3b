import Foundation
import Hummingbird
import SamtakDomain

/// `/health/live` answers 200 while the process runs; `/health/ready` answers 200 only
/// when PostgreSQL and the broker answer (and the service's own checks pass), else 503,
/// with a JSON body saying which dependency is missing and where.
public func addHealthRoutes<Context: RequestContext>(to router: Router<Context>, dependencies: Dependencies) {
    router.get("/health/live") { _, _ -> Response in
        jsonResponse(status: .ok, body: #"{"status":"live"}"#)
    }
    router.get("/health/ready") { _, _ -> Response in
        let report = await dependencies.report()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return jsonResponse(status: report.ready ? .ok : .serviceUnavailable, body: body)
    }
}

public func jsonResponse(status: HTTPResponse.Status, body: String, contentType: String = "application/json") -> Response {
    var headers = HTTPFields()
    headers[.contentType] = contentType
    headers[.cacheControl] = "no-store"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
}
