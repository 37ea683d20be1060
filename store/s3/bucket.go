package s3

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// CreateBucket creates the bucket named by rawURL (its prefix is ignored),
// in the configured region, with object versioning turned on if versioned
// is true. It fails if the bucket already exists. It is meant for tests and
// setup; cairn itself never creates buckets.
func CreateBucket(ctx context.Context, rawURL string, versioned bool, opts ...Option) error {
	bucket, _, err := ParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("s3: create bucket: %w", err)
	}
	s, err := newStore(bucket, "", opts)
	if err != nil {
		return err
	}
	err = s.retry(ctx, func(ctx context.Context) error {
		return s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: s.cfg.region})
	})
	if err != nil {
		return fmt.Errorf("s3: create bucket s3://%s at %s: %w", bucket, s.cfg.endpoint, err)
	}
	if versioned {
		err = s.retry(ctx, func(ctx context.Context) error {
			return s.client.EnableVersioning(ctx, bucket)
		})
		if err != nil {
			return fmt.Errorf("s3: enable versioning on s3://%s: %w", bucket, err)
		}
	}
	return nil
}

// RemoveBucket deletes every object, object version and unfinished
// multipart upload in the bucket named by rawURL (its prefix is ignored),
// then the bucket. It is meant for tests; it destroys data.
func RemoveBucket(ctx context.Context, rawURL string, opts ...Option) error {
	bucket, _, err := ParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("s3: remove bucket: %w", err)
	}
	s, err := newStore(bucket, "", opts)
	if err != nil {
		return err
	}
	// Removing versions while listing them can hide some from the listing
	// (MinIO); list again until a pass finds nothing.
	for pass := 0; ; pass++ {
		removed := 0
		for oi := range s.client.ListObjectsIter(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if oi.Err != nil {
				return fmt.Errorf("s3: remove bucket s3://%s: listing: %w", bucket, oi.Err)
			}
			err := s.retry(ctx, func(ctx context.Context) error {
				return s.client.RemoveObject(ctx, bucket, oi.Key, minio.RemoveObjectOptions{VersionID: oi.VersionID})
			})
			if err != nil {
				return fmt.Errorf("s3: remove bucket s3://%s: object %q version %q: %w", bucket, oi.Key, oi.VersionID, err)
			}
			removed++
		}
		if removed == 0 || pass == 10 {
			break
		}
	}
	// The channel API: cancel so that an early return stops its goroutine.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for u := range s.client.ListIncompleteUploads(lctx, bucket, "", true) {
		if u.Err != nil {
			return fmt.Errorf("s3: remove bucket s3://%s: listing uploads: %w", bucket, u.Err)
		}
		if err := s.client.RemoveIncompleteUpload(ctx, bucket, u.Key); err != nil {
			return fmt.Errorf("s3: remove bucket s3://%s: upload of %q: %w", bucket, u.Key, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("s3: remove bucket s3://%s: %w", bucket, err)
	}
	err = s.retry(ctx, func(ctx context.Context) error { return s.client.RemoveBucket(ctx, bucket) })
	if err != nil {
		return fmt.Errorf("s3: remove bucket s3://%s: %w", bucket, err)
	}
	return nil
}
