/* Cell renderers for dash-ag-grid, served from assets/ like everything else (no CDN). */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

/* A Bootstrap badge. The row's `<field>_color`, else `cellRendererParams.colors[value]`, names the
   Bootstrap colour (success, warning, danger, ...); other values are grey, empty cells stay empty. */
dagcomponentfuncs.Badge = function (props) {
    if (props.value === null || props.value === undefined || props.value === "") {
        return null;
    }
    var own = props.data ? props.data[props.colDef.field + "_color"] : null;
    var color = own || (props.colors || {})[props.value] || "secondary";
    return React.createElement("span", {className: "badge rounded-pill text-bg-" + color}, props.value);
};
