import HTTPTypes
import SamtakJOSE

/// Why a sign-in did not succeed: the code recorded in `sign_in_events.outcome`, and the
/// bokmål page the browser gets (what happened and what to do). Never carries the token,
/// the provider's error text or anything the person typed.
public enum SignInFailure: Error, Equatable, Sendable {
    /// `state` missing, unknown, already used or expired; or the answer came for another provider.
    case unknownState
    /// The answer came to a browser other than the one that started the sign-in.
    case otherBrowser
    /// The provider answered with an error (the person cancelled, or the provider refused).
    case providerError
    /// The provider's answer has no code, or names another issuer (`iss`, RFC 9207).
    case malformedResponse
    /// The provider (discovery, keys or token endpoint) cannot be reached or answers 5xx.
    case providerUnavailable
    /// The provider's discovery document is unusable (wrong issuer, plain http in production).
    case providerMisconfigured
    /// The provider's key set is not a JWKS.
    case brokenKeySet
    /// The token endpoint refused the code (used before, expired, wrong verifier).
    case codeRejected
    /// The ID token's signature or form (`JOSEError`).
    case idToken(JOSEError)
    /// The ID token's claims (`IDTokenClaims.Problem`).
    case idTokenClaims(IDTokenClaims.Problem)
    /// A staff provider's token has no (verified) e-mail; a citizen provider's no `pid`.
    case missingIdentity
    /// Signed in at the provider, but nobody in the register matches.
    case notRegistered
    /// Several people in the register match (the register must be corrected).
    case ambiguous

    /// The audit code.
    public var outcome: String {
        switch self {
        case .unknownState: "unknown_state"
        case .otherBrowser: "other_browser"
        case .providerError: "provider_error"
        case .malformedResponse: "malformed_response"
        case .providerUnavailable: "provider_unavailable"
        case .providerMisconfigured: "provider_misconfigured"
        case .brokenKeySet: "broken_jwks"
        case .codeRejected: "code_rejected"
        case .idToken(let error):
            switch error {
            case .malformed: "id_token_malformed"
            case .algorithmNotAllowed: "id_token_algorithm"
            case .unsupportedCriticalHeader: "id_token_crit"
            case .unknownKey: "id_token_unknown_key"
            case .badSignature: "id_token_signature"
            case .malformedKeySet: "broken_jwks"
            }
        case .idTokenClaims(let problem):
            switch problem {
            case .wrongIssuer: "id_token_issuer"
            case .wrongAudience: "id_token_audience"
            case .wrongAuthorizedParty: "id_token_azp"
            case .expired: "id_token_expired"
            case .notYetValid: "id_token_not_yet_valid"
            case .issuedInFuture: "id_token_issued_in_future"
            case .tooOld: "id_token_too_old"
            case .missingNonce: "id_token_missing_nonce"
            case .wrongNonce: "id_token_nonce"
            }
        case .missingIdentity: "missing_identity"
        case .notRegistered: "not_registered"
        case .ambiguous: "ambiguous"
        }
    }

    /// The page: HTTP status, heading, what happened and what to do.
    func page(providerLabel: String?) -> ErrorPage {
        let again = ErrorPage.Action(label: "Logg inn på nytt", href: "/logg-inn")
        switch self {
        case .unknownState, .otherBrowser:
            return ErrorPage(status: .badRequest, heading: "Innloggingen kunne ikke fullføres", paragraphs: [
                "Svaret fra innloggingstjenesten hørte ikke til en innlogging som er i gang i denne nettleseren. "
                    + "Det skjer når en innloggingslenke brukes to ganger, når det har gått mer enn ti minutter, "
                    + "eller når innloggingen ble startet i en annen nettleser.",
                "Start innloggingen på nytt fra Samtak.",
            ], action: again)
        case .providerError:
            return ErrorPage(status: .badRequest, heading: "Innloggingen ble avbrutt", paragraphs: [
                "Innloggingstjenesten fullførte ikke innloggingen. Du er ikke logget inn i Samtak.",
                "Prøv igjen. Hvis du ikke avbrøt selv og det skjer igjen, kontakt kommunens brukerstøtte og oppgi referansen nedenfor.",
            ], action: again)
        case .providerUnavailable, .brokenKeySet, .providerMisconfigured:
            return ErrorPage(status: .badGateway, heading: "Innloggingstjenesten svarer ikke som den skal", paragraphs: [
                "Samtak fikk ikke kontakt med \(providerLabel.map { "«\($0)»" } ?? "innloggingstjenesten"), eller fikk et svar som ikke kunne brukes. "
                    + "Du er ikke logget inn.",
                "Prøv igjen om noen minutter. Hvis feilen varer, kontakt kommunens brukerstøtte og oppgi referansen nedenfor.",
            ], action: again)
        case .malformedResponse, .codeRejected, .idToken, .idTokenClaims:
            return ErrorPage(status: .badRequest, heading: "Innloggingen kunne ikke bekreftes", paragraphs: [
                "Svaret fra innloggingstjenesten var ikke gyldig, så Samtak kunne ikke vite sikkert hvem du er. Du er ikke logget inn.",
                "Start innloggingen på nytt. Hvis det skjer igjen, kontakt kommunens brukerstøtte og oppgi referansen nedenfor.",
            ], action: again)
        case .missingIdentity:
            return ErrorPage(status: .forbidden, heading: "Innloggingen mangler opplysninger Samtak trenger", paragraphs: [
                "Innloggingstjenesten sendte ikke en bekreftet e-postadresse (ansatte) eller et fødselsnummer (innbyggere), "
                    + "så Samtak kan ikke finne deg i registeret. Du er ikke logget inn.",
                "Ansatte: kontakt kommunens systemansvarlig. Foresatte og ungdom: bruk innlogging med ID-porten.",
            ], action: again)
        case .notRegistered:
            return ErrorPage(status: .forbidden, heading: "Du er ikke registrert i Samtak", paragraphs: [
                "Du er logget inn hos \(providerLabel.map { "«\($0)»" } ?? "innloggingstjenesten"), men Samtak finner deg ikke i kommunens register. "
                    + "Ingen opplysninger er lagret om deg.",
                "Ansatte: be lederen din eller kommunens systemansvarlig registrere deg med e-postadressen du logger inn med. "
                    + "Foresatte og ungdom: kontakt skolen eller barnehagen, som kan sørge for at du blir registrert.",
            ], action: nil)
        case .ambiguous:
            return ErrorPage(status: .forbidden, heading: "Samtak kan ikke avgjøre hvem du er", paragraphs: [
                "Flere personer i kommunens register passer med innloggingen din, så Samtak logger deg ikke inn.",
                "Kontakt kommunens systemansvarlig og oppgi referansen nedenfor, så blir registeret rettet.",
            ], action: nil)
        }
    }
}
