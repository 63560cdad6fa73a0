package main

// A pod's containers and their own annotations (DECISIONS D6).
//
// runsc hands a container that joins a running sandbox (with CRI, every
// container of a pod after the pause container) to the Sentry over its own
// control connection, and nothing of that reaches the Peios layer: only the
// root container's spec is read at boot (annotations.go). So runsc-peios
// carries the rest itself, over a pipe the sandbox process owns:
//
//   - boot creates the pipe, keeps both ends, and puts the read end at
//     descriptor containerPipeFD, which survives boot's re-exec of itself;
//   - runsc-peios create (or run) of a container that joins a sandbox
//     opens /proc/<sandbox pid>/fd/<containerPipeFD> for writing, which
//     reaches the same pipe, and writes one line: the container's ID and
//     its dev.peios.mm/* annotations, before runsc creates the container;
//   - in the sandbox, a container's first process looks its configuration
//     up (containercfg); a container without an entry yet takes in every
//     line the pipe holds (a read that does not block) and looks again.
//     The line was written before create returned, so it is there before
//     the container's first process starts: nothing waits and nothing
//     races.
//
// The pipe needs no file and no cleanup: it goes away with the sandbox
// process. A container's settings are the root container's annotations
// (with CRI, the Pod's) with the container's own dev.peios.mm/* keys
// replacing those keys, over the sandbox's flags. Commit accounting
// (commit, commit-limit) is one per sandbox, as the kernel's is one per
// system; a container's own value for it is ignored, with a warning in
// the sandbox's log.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	runscconfig "gvisor.dev/gvisor/runsc/config"
	"gvisor.dev/gvisor/runsc/container"
	"gvisor.dev/gvisor/runsc/specutils"

	"github.com/peios/runsc-peios/pkg/containercfg"
	"github.com/peios/runsc-peios/pkg/logging"
	"github.com/peios/runsc-peios/pkg/sentry/kacs"
	"github.com/peios/runsc-peios/pkg/sentry/mm"
)

// containerPipeFD is the sandbox process's descriptor of the read end of
// the container pipe. High enough to be free when boot starts (runsc
// passes boot its descriptors from 3 up) and below the usual 1024 limit.
const containerPipeFD = 1000

// containerPipeSize is the pipe's capacity: room for many containers'
// lines that the sandbox has not taken in yet.
const containerPipeSize = 1 << 20

// envContainerPipe tells boot, after its re-exec, that the pipe is set up.
const envContainerPipe = "RUNSC_PEIOS_CONTAINER_PIPE"

// containerLine is one line on the pipe.
type containerLine struct {
	ID          string            `json:"id"`
	Annotations map[string]string `json:"annotations"`
}

// sandboxBase is what a container's settings start from in the sandbox:
// the sandbox's flags and the root container's annotations.
type sandboxBase struct {
	flags       peiosFlags
	annotations map[string]string
}

// openContainerPipe sets up the container pipe in the boot process and
// registers the function that takes in its lines.
func openContainerPipe(base sandboxBase) error {
	if _, ok := os.LookupEnv(envContainerPipe); !ok {
		if _, err := unix.FcntlInt(containerPipeFD, unix.F_GETFD, 0); err == nil {
			return fmt.Errorf("descriptor %d, for the container pipe, is taken", containerPipeFD)
		}
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
			return fmt.Errorf("creating the container pipe: %v", err)
		}
		unix.FcntlInt(uintptr(p[0]), unix.F_SETPIPE_SZ, containerPipeSize) // Best effort.
		// Dup2 leaves containerPipeFD open across exec. The write end
		// is closed: writers open their own through /proc, and a read
		// without writers is not an end of file on a non-blocking pipe
		// that is simply empty (it is EAGAIN while a writer may come;
		// with no writer it returns 0, which drain treats the same).
		if err := unix.Dup2(p[0], containerPipeFD); err != nil {
			return fmt.Errorf("placing the container pipe at descriptor %d: %v", containerPipeFD, err)
		}
		unix.Close(p[0])
		unix.Close(p[1])
		os.Setenv(envContainerPipe, "1")
	}
	r := &pipeReader{base: base}
	containercfg.SetPending(r.drain)
	return nil
}

// pipeReader takes in the container pipe's lines.
type pipeReader struct {
	base sandboxBase
	// mu serialises drains; partial holds the start of a line not yet
	// complete.
	mu      sync.Mutex
	partial []byte
}

// drain reads what the pipe holds, without blocking, and applies every
// complete line.
func (r *pipeReader) drain() {
	r.mu.Lock()
	defer r.mu.Unlock()
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(containerPipeFD, buf)
		if err == unix.EINTR {
			continue
		}
		if n <= 0 {
			break
		}
		r.partial = append(r.partial, buf[:n]...)
	}
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			return
		}
		r.apply(r.partial[:i])
		r.partial = r.partial[i+1:]
	}
}

// apply configures the container a line names.
func (r *pipeReader) apply(raw []byte) {
	var line containerLine
	if err := json.Unmarshal(raw, &line); err != nil || line.ID == "" {
		logging.L.Warningf("container pipe: ignoring malformed line %q", raw)
		return
	}
	merged := maps.Clone(r.base.annotations)
	if merged == nil {
		merged = map[string]string{}
	}
	for _, name := range []string{"commit", "commit-limit"} {
		key := annotationPrefix + name
		if v, ok := line.Annotations[key]; ok && v != merged[key] {
			logging.L.Warningf("container %s: annotation %s=%q ignored: commit accounting is per sandbox (set it on the sandbox or Pod)", line.ID, key, v)
			delete(line.Annotations, key)
		}
	}
	maps.Copy(merged, line.Annotations)
	c, err := buildConfig(r.base.flags, merged)
	if err != nil {
		// create checked the annotations; this is a mismatch of versions.
		logging.L.Warningf("container %s: %v; it gets the sandbox's settings", line.ID, err)
		return
	}
	mm.SetContainerPolicy(line.ID, c.policy)
	kacs.SetContainerIdentity(line.ID, c.identity)
	logging.L.Infof("container %s: Peios settings from its annotations %v", line.ID, line.Annotations)
}

// sendContainerAnnotations hands the Peios annotations of a container that
// joins a running sandbox to that sandbox (host side, in create and run).
// A container that starts a sandbox of its own needs nothing: boot reads
// its spec. Every joining container is sent, with or without annotations,
// so its first process finds its entry without looking twice.
func sendContainerAnnotations(args []string, spec *specs.Spec) error {
	if specutils.SpecContainerType(spec) != specutils.ContainerTypeContainer {
		return nil
	}
	sandboxID, ok := specutils.SandboxID(spec)
	if !ok {
		return nil // runsc refuses it itself.
	}
	own := map[string]string{}
	for k, v := range spec.Annotations {
		if strings.HasPrefix(k, annotationPrefix) {
			own[k] = v
		}
	}
	line, err := json.Marshal(containerLine{ID: args[len(args)-1], Annotations: own})
	if err != nil {
		return err
	}
	err = writeContainerLine(rootDir(args), sandboxID, append(line, '\n'))
	if err != nil && len(own) > 0 {
		return fmt.Errorf("handing the annotations %v to sandbox %s: %v", own, sandboxID, err)
	}
	return nil // Without annotations, the sandbox's settings are right anyway.
}

// writeContainerLine writes line to the container pipe of sandbox id.
func writeContainerLine(root, id string, line []byte) error {
	c, err := container.Load(root, container.FullID{SandboxID: id, ContainerID: id}, container.LoadOpts{Exact: true, SkipCheck: true})
	if err != nil {
		return err
	}
	if c.Sandbox == nil || c.Sandbox.Getpid() <= 0 {
		return errors.New("the sandbox is not running")
	}
	path := fmt.Sprintf("/proc/%d/fd/%d", c.Sandbox.Getpid(), containerPipeFD)
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the sandbox's container pipe %s: %v", path, err)
	}
	defer unix.Close(fd)
	// Writers of one pipe take turns, so that lines longer than the
	// pipe's atomic size (PIPE_BUF) do not interleave.
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking the sandbox's container pipe: %v", err)
	}
	for len(line) > 0 {
		n, err := unix.Write(fd, line)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("writing to the sandbox's container pipe (full: the sandbox has not taken in %d bytes of container settings): %v", containerPipeSize, err)
		}
		line = line[n:]
	}
	return nil
}

// rootDir returns runsc's state directory: the --root flag, or runsc's
// default.
func rootDir(args []string) string {
	for i := 1; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || name != "root" {
			continue
		}
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		return value
	}
	return runscconfig.DefaultRootDir()
}
