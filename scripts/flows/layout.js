"use strict";
// Where the generated flows put their nodes: node ids of a kind and a
// prefix, node groups on a grid of columns and rows, and wires. Shared by
// scripts/make-flows.js (the shipped flows) and scripts/flows/fleet-dashboard.js.

// Node x and y are centres. Columns 200 px apart, so that the editor draws
// every wire left to right; a refusal runs on the row below.
const COLUMN = 200;
const ROW = 60;
const at = (column) => 130 + COLUMN * column;

/** Roughly the width the editor gives a node with this label (14px Helvetica, icon, port). */
function nodeWidth(label) {
    return Math.max(100, Math.ceil(7.6 * label.length) + 50);
}

/**
 * A layout on tab `tab`, adding to `nodes`: ids start with `idPrefix` (so
 * that flows files can be imported side by side) and the kind of node.
 */
function layout(nodes, tab, idPrefix) {
    let counter = 0;
    /** Ids by kind of node, distinct between the flows files. */
    function id(kind) {
        counter += 1;
        const prefix = idPrefix + kind;
        return `${prefix}${counter.toString(16).padStart(16 - prefix.length, "0")}`;
    }
    // Each group starts below the ones before, or beside the last one.
    let nextTop = 20;
    let lastTop = 20;
    /**
     * A group of nodes placed on a grid of columns and rows (0 the group's
     * first line); `beside: true` starts it level with the group before
     * (its nodes in columns of their own).
     */
    function group(name, options) {
        const top = (options && options.beside ? lastTop : nextTop) + 50;
        lastTop = top - 50;
        const members = [];
        const g = { id: id("g"), type: "group", z: tab, name, style: { label: true }, nodes: [] };
        nodes.push(g);
        return {
            /** Adds `node` at column c, row r (0 the group's first line). */
            add(node, c, r) {
                const placed = Object.assign({ z: tab, g: g.id }, node, { x: at(c), y: top + ROW * r });
                nodes.push(placed);
                members.push(placed);
                g.nodes.push(placed.id);
                return placed;
            },
            /** Closes the group around its nodes, with room for its label. */
            close() {
                const label = (n) => n.name || n.type;
                const left = Math.min(...members.map((n) => n.x - nodeWidth(label(n)) / 2)) - 20;
                const right = Math.max(...members.map((n) => n.x + nodeWidth(label(n)) / 2)) + 20;
                const upper = Math.min(...members.map((n) => n.y)) - 15 - 35;
                const lower = Math.max(...members.map((n) => n.y)) + 15 + 20;
                Object.assign(g, { x: left, y: upper, w: right - left, h: lower - upper });
                nextTop = Math.max(nextTop, lower + 30);
            }
        };
    }
    return { id, group };
}

/** Wires `from`'s outputs, in order, to the nodes listed for each. */
function wire(from, ...outputs) {
    from.wires = outputs.map((targets) => targets.map((n) => n.id));
    return from;
}

module.exports = { layout, wire };
