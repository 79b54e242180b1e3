package main

import "testing"

// The planners' map in a real browser against a real `lad serve --demo`
// (web/app/tests/planner.mjs): a planner moves a layer's time slider and
// the map draws only that year; runs an analysis with a parameter and a
// click on a bar of its chart shows that category on the map; exports the
// map's view as GeoJSON and CSV (only features inside the view, of the
// period); on a 390 × 844 phone every header link is on screen and
// reachable by keyboard; axe-core finds no serious violation. Screenshots
// go to test-output/browser.
func TestPlannerInBrowser(t *testing.T) {
	bin, s, data := browserServer(t)
	addUser(t, bin, data, "planner", "planista-mapa")
	runBrowserScript(t, "planner.mjs", s.addr, "planista-mapa")
	s.interrupt(t)
}
