extension OSSOperation {
    /// `POST /bucket` with a `multipart/form-data` body: a browser upload (issue 16, part 5).
    public static let postObject = OSSOperation.named("PostObject")!
}
