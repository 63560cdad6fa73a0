// Package logging gives the Peios layer a logrus logger whose entries land in
// gVisor's own log, so that they appear next to the Sentry's messages in the
// files named by --debug-log (and wherever else runsc sends its log).
package logging

import (
	"io"

	"github.com/sirupsen/logrus"
	gvlog "gvisor.dev/gvisor/pkg/log"
)

// L is the Peios layer's logger.
var L = newLogger()

func newLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	l.SetLevel(logrus.DebugLevel)
	l.AddHook(gvisorHook{})
	return l
}

// gvisorHook forwards every logrus entry to gVisor's log at the matching
// level.
type gvisorHook struct{}

// Levels implements logrus.Hook.
func (gvisorHook) Levels() []logrus.Level { return logrus.AllLevels }

// Fire implements logrus.Hook.
func (gvisorHook) Fire(e *logrus.Entry) error {
	msg, err := (&logrus.TextFormatter{DisableTimestamp: true, DisableQuote: true}).Format(e)
	if err != nil {
		return err
	}
	// The formatter ends the line; gVisor's log adds its own newline.
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	switch {
	case e.Level <= logrus.WarnLevel:
		gvlog.Warningf("%s", msg)
	case e.Level == logrus.InfoLevel:
		gvlog.Infof("%s", msg)
	default:
		gvlog.Debugf("%s", msg)
	}
	return nil
}
