extension OSSOperation {
    // Issue 16, part 4: bucket reads and configuration. The put/get/delete of each configuration
    // are found by name from its model (`BucketConfigurationModel.configurationName`).
    public static let putBucketCors = OSSOperation.named("PutBucketCors")!
    public static let getBucketCors = OSSOperation.named("GetBucketCors")!
    public static let deleteBucketCors = OSSOperation.named("DeleteBucketCors")!
    public static let putBucketPolicy = OSSOperation.named("PutBucketPolicy")!
    public static let getBucketPolicy = OSSOperation.named("GetBucketPolicy")!
    public static let deleteBucketPolicy = OSSOperation.named("DeleteBucketPolicy")!
    public static let getBucketPolicyStatus = OSSOperation.named("GetBucketPolicyStatus")!
}
