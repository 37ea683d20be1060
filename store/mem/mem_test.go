package mem_test

import (
	"testing"

	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/mem"
	"github.com/cairnml/cairn/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return mem.New() })
}
