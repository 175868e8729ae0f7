extension Validation {
    /// The versioning states PutBucketVersioning takes (a bucket never versioned has none).
    package static let versioningStates = ["Enabled", "Suspended"]

    /// A versioning state: `Enabled` or `Suspended` (OSS's spelling, case included).
    package static func checkVersioningStatus(_ status: String) throws(ValidationError) {
        guard versioningStates.contains(status) else {
            throw ValidationError(
                "versioning status must be Enabled or Suspended, not \(Validation.quoted(status))")
        }
    }

    /// An object version id: not empty (`null` names the null version).
    package static func checkVersionId(_ versionId: String) throws(ValidationError) {
        guard !versionId.isEmpty else { throw ValidationError("the version id is empty") }
        try checkParameter(versionId, name: "versionId")
    }
}
