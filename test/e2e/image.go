package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The images the test builds and imports; never pulled.
const (
	testImage  = "localhost/runsc-peios-e2e:latest"
	pauseImage = "localhost/runsc-peios-e2e-pause:latest"
)

// Paths of the built image contents.
var (
	imageDir    = filepath.Join(workDir, "image")
	testRootfs  = filepath.Join(imageDir, "rootfs")       // the test image's files
	pauseRootfs = filepath.Join(imageDir, "pause-rootfs") // the pause image's files
	imageTar    = filepath.Join(imageDir, "images.tar")   // both, as an OCI layout
)

// buildImage compiles the static programs, lays out the two root
// filesystems and writes them as one OCI image layout archive holding both
// images, for `ctr images import`.
func (t *test) buildImage() error {
	for _, d := range []string{"bin", "dev", "etc", "proc", "root", "sys", "tmp"} {
		if err := os.MkdirAll(filepath.Join(testRootfs, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(testRootfs, "tmp"), 0o1777|fs.ModeSticky); err != nil {
		return err
	}
	if err := os.MkdirAll(pauseRootfs, 0o755); err != nil {
		return err
	}
	src := filepath.Join(t.repo, "test", "e2e", "image")
	if _, err := t.run(5*time.Minute, nil, "gcc", "-static", "-O1", "-Wall", "-o",
		filepath.Join(testRootfs, "bin", "peios-check"), filepath.Join(src, "peios-check.c")); err != nil {
		return err
	}
	if _, err := t.run(5*time.Minute, nil, "gcc", "-static", "-O1", "-Wall", "-o",
		filepath.Join(pauseRootfs, "pause"), filepath.Join(src, "pause.c")); err != nil {
		return err
	}
	// busybox-static and a link for each of its applets.
	if err := copyFile("/bin/busybox", filepath.Join(testRootfs, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	applets, err := t.run(time.Minute, nil, "/bin/busybox", "--list")
	if err != nil {
		return err
	}
	for _, a := range strings.Fields(applets) {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(testRootfs, "bin", a)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":  "root:x:0:\n",
		"etc/hosts":  "127.0.0.1 localhost\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(testRootfs, name), []byte(content), 0o644); err != nil {
			return err
		}
	}

	layout := newOCILayout()
	if err := layout.addImage(testImage, testRootfs, []string{"/bin/sh"}); err != nil {
		return err
	}
	if err := layout.addImage(pauseImage, pauseRootfs, []string{"/pause"}); err != nil {
		return err
	}
	return layout.write(imageTar)
}

// copyFile copies a regular file.
func copyFile(src, dst string, mode os.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

// ociLayout collects the blobs and the index of an OCI image layout.
type ociLayout struct {
	blobs     map[string][]byte // digest ("sha256:...") -> content
	manifests []map[string]any  // the index's descriptors
}

func newOCILayout() *ociLayout {
	return &ociLayout{blobs: map[string][]byte{}}
}

// addBlob stores content and returns its descriptor.
func (l *ociLayout) addBlob(mediaType string, content []byte) map[string]any {
	sum := sha256.Sum256(content)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	l.blobs[digest] = content
	return map[string]any{"mediaType": mediaType, "digest": digest, "size": len(content)}
}

// addImage adds an image named name with one uncompressed layer holding the
// directory tree root and the given command.
func (l *ociLayout) addImage(name, root string, cmd []string) error {
	layer, err := tarTree(root)
	if err != nil {
		return err
	}
	layerDesc := l.addBlob("application/vnd.oci.image.layer.v1.tar", layer)
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config": map[string]any{
			"Env": []string{"PATH=/bin"},
			"Cmd": cmd,
		},
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []string{layerDesc["digest"].(string)},
		},
	})
	if err != nil {
		return err
	}
	configDesc := l.addBlob("application/vnd.oci.image.config.v1+json", config)
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        configDesc,
		"layers":        []any{layerDesc},
	})
	if err != nil {
		return err
	}
	desc := l.addBlob("application/vnd.oci.image.manifest.v1+json", manifest)
	desc["platform"] = map[string]string{"architecture": "amd64", "os": "linux"}
	desc["annotations"] = map[string]string{
		"io.containerd.image.name":          name,
		"org.opencontainers.image.ref.name": name[strings.LastIndex(name, ":")+1:],
	}
	l.manifests = append(l.manifests, desc)
	return nil
}

// write writes the layout as a tar archive.
func (l *ociLayout) write(path string) error {
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests":     l.manifests,
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := add("index.json", index); err != nil {
		return err
	}
	for digest, content := range l.blobs {
		if err := add("blobs/sha256/"+strings.TrimPrefix(digest, "sha256:"), content); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// tarTree returns a tar archive of the tree at root, owned by root, with
// fixed times, in lexical order.
func tarTree(root string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "root", "root"
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = time.Unix(0, 0), time.Time{}, time.Time{}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(tw, f); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
