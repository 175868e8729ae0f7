extension OSSOperation {
    /// `PUT /?versioning`: sets a bucket's versioning state.
    public static let putBucketVersioning = OSSOperation.named("PutBucketVersioning")!
}
