import Foundation
import SamtakJOSE
import SamtakRuntime
import Synchronization

/// A configured OpenID provider at run time: its discovery document and its keys, fetched
/// when first needed and kept (`jwksMaxAge`). An ID token whose `kid` is not among the kept
/// keys makes them be fetched again (key rotation), at most once per `minimumRefresh`.
public final class OIDCProvider: Sendable {
    public let configuration: WebConfiguration.ProviderConfiguration
    let client: CurlHTTPClient
    let maxAge: Duration
    let minimumRefresh: Duration
    /// Endpoints must be https in production.
    let requireHTTPS: Bool
    private let state = Mutex<CacheState>(CacheState())

    struct CacheState {
        var metadata: Metadata?
        var metadataAt: ContinuousClock.Instant?
        var keys: JWKSet?
        var keysAt: ContinuousClock.Instant?
    }

    /// The parts of the discovery document Samtak uses (OpenID Connect Discovery §3).
    public struct Metadata: Decodable, Sendable, Equatable {
        public var issuer: String
        public var authorizationEndpoint: String
        public var tokenEndpoint: String
        public var jwksURI: String
        public var endSessionEndpoint: String?

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
            case endSessionEndpoint = "end_session_endpoint"
        }
    }

    init(configuration: WebConfiguration.ProviderConfiguration, client: CurlHTTPClient, maxAge: Int, minimumRefresh: Int, requireHTTPS: Bool) {
        self.configuration = configuration
        self.client = client
        self.maxAge = .seconds(maxAge)
        self.minimumRefresh = .seconds(minimumRefresh)
        self.requireHTTPS = requireHTTPS
    }

    /// The discovery document (kept `maxAge`; a stale copy is used while the provider cannot
    /// be reached).
    public func metadata() async throws(SignInFailure) -> Metadata {
        let now = ContinuousClock.now
        let cached = state.withLock { ($0.metadata, $0.metadataAt) }
        if let metadata = cached.0, let at = cached.1, now - at < maxAge { return metadata }
        do {
            let metadata = try await fetchMetadata()
            state.withLock {
                $0.metadata = metadata
                $0.metadataAt = now
            }
            return metadata
        } catch {
            if let stale = cached.0 { return stale }
            throw error
        }
    }

    func fetchMetadata() async throws(SignInFailure) -> Metadata {
        let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
        let response: HTTPClientResponse
        do {
            response = try await client.get(base + "/.well-known/openid-configuration", headers: ["Accept: application/json"])
        } catch {
            throw .providerUnavailable
        }
        guard response.status == 200 else { throw .providerUnavailable }
        guard let metadata = try? JSONDecoder().decode(Metadata.self, from: Data(response.body)) else { throw .providerMisconfigured }
        // The document must name the configured issuer exactly (Discovery §4.3).
        guard metadata.issuer == configuration.issuer else { throw .providerMisconfigured }
        let endpoints = [metadata.authorizationEndpoint, metadata.tokenEndpoint, metadata.jwksURI] + (metadata.endSessionEndpoint.map { [$0] } ?? [])
        guard endpoints.allSatisfy({ $0.hasPrefix("https://") || (!requireHTTPS && $0.hasPrefix("http://")) }) else {
            throw .providerMisconfigured
        }
        return metadata
    }

    /// The provider's keys for a token with `kid`: the kept set when it has a fitting key,
    /// otherwise a fresh one (unless one was fetched within `minimumRefresh`).
    public func keys(kid: String?, algorithm: JWSAlgorithm) async throws(SignInFailure) -> JWKSet {
        let now = ContinuousClock.now
        let cached = state.withLock { ($0.keys, $0.keysAt) }
        if let keys = cached.0, let at = cached.1, now - at < maxAge, !keys.candidates(kid: kid, algorithm: algorithm).isEmpty {
            return keys
        }
        if let keys = cached.0, let at = cached.1, now - at < minimumRefresh { return keys }
        let metadata = try await metadata()
        let response: HTTPClientResponse
        do {
            response = try await client.get(metadata.jwksURI, headers: ["Accept: application/json"])
        } catch {
            throw .providerUnavailable
        }
        guard response.status == 200 else { throw .providerUnavailable }
        let keys: JWKSet
        do {
            keys = try JWKSet(json: response.body)
        } catch {
            throw .brokenKeySet
        }
        state.withLock {
            $0.keys = keys
            $0.keysAt = now
        }
        return keys
    }
}
