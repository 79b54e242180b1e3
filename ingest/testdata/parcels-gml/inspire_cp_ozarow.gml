<?xml version="1.0" encoding="UTF-8"?>
<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:cp="http://inspire.ec.europa.eu/schemas/cp/4.0" xmlns:base="http://inspire.ec.europa.eu/schemas/base/3.3">
  <wfs:member>
    <cp:CadastralParcel gml:id="PL.PZGIK.200.143206_4.0001.162/1">
      <cp:geometry>
        <gml:MultiSurface gml:id="ms0" srsName="http://www.opengis.net/def/crs/EPSG/0/2180">
          <gml:surfaceMember><gml:Polygon gml:id="p0"><gml:exterior><gml:LinearRing><gml:posList srsDimension="2">484315.16 621053.946 484403.654 621061.933 484406.072 621039.388 484338.487 621032.883 484306.716 621030.23 484276.875 621027.954 484270.939 621027.718 484270.441 621049.9 484273.569 621050.184 484315.16 621053.946</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
        </gml:MultiSurface>
      </cp:geometry>
      <cp:inspireId><base:Identifier><base:localId>143206_4.0001.162/1</base:localId><base:namespace>PL.PZGIK.200</base:namespace></base:Identifier></cp:inspireId>
      <cp:label>162/1</cp:label>
      <cp:nationalCadastralReference>143206_4.0001.162/1</cp:nationalCadastralReference>
    </cp:CadastralParcel>
  </wfs:member>
  <wfs:member>
    <cp:CadastralParcel gml:id="PL.PZGIK.200.143206_4.0001.185/2">
      <cp:geometry>
        <gml:MultiSurface gml:id="ms1" srsName="http://www.opengis.net/def/crs/EPSG/0/2180">
          <gml:surfaceMember><gml:Polygon gml:id="p1"><gml:exterior><gml:LinearRing><gml:posList srsDimension="2">484327.07 621447.142 484328.024 621433.166 484313.359 621424.981 484303.846 621413.945 484304.521 621410.156 484277.63 621407.539 484265.644 621407.269 484264.912 621440.188 484327.07 621447.142</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
        </gml:MultiSurface>
      </cp:geometry>
      <cp:inspireId><base:Identifier><base:localId>143206_4.0001.185/2</base:localId><base:namespace>PL.PZGIK.200</base:namespace></base:Identifier></cp:inspireId>
      <cp:label>185/2</cp:label>
      <cp:nationalCadastralReference>143206_4.0001.185/2</cp:nationalCadastralReference>
    </cp:CadastralParcel>
  </wfs:member>
  <wfs:member>
    <cp:CadastralParcel gml:id="PL.PZGIK.200.143206_4.0001.62/1">
      <cp:geometry>
        <gml:MultiSurface gml:id="ms2" srsName="http://www.opengis.net/def/crs/EPSG/0/2180">
          <gml:surfaceMember><gml:Polygon gml:id="p2"><gml:exterior><gml:LinearRing><gml:posList srsDimension="2">485341.365 621496.045 485323.029 621493.971 485320.689 621516.084 485314.275 621578.227 485333.66 621580.262 485341.365 621496.045</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
        </gml:MultiSurface>
      </cp:geometry>
      <cp:inspireId><base:Identifier><base:localId>143206_4.0001.62/1</base:localId><base:namespace>PL.PZGIK.200</base:namespace></base:Identifier></cp:inspireId>
      <cp:label>62/1</cp:label>
      <cp:nationalCadastralReference>143206_4.0001.62/1</cp:nationalCadastralReference>
    </cp:CadastralParcel>
  </wfs:member>
  <wfs:member>
    <cp:CadastralParcel gml:id="PL.PZGIK.200.143206_4.0001.63/1">
      <cp:geometry>
        <gml:MultiSurface gml:id="ms3" srsName="http://www.opengis.net/def/crs/EPSG/0/2180">
          <gml:surfaceMember><gml:Polygon gml:id="p3"><gml:exterior><gml:LinearRing><gml:posList srsDimension="2">485492.993 621635.801 485491.815 621647.122 485488.264 621681.138 485575.107 621690.861 485576.469 621683.673 485580.458 621622.797 485584.185 621617.615 485584.455 621606.398 485545.775 621602.306 485497.042 621597.021 485494.448 621621.851 485492.993 621635.801</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
        </gml:MultiSurface>
      </cp:geometry>
      <cp:inspireId><base:Identifier><base:localId>143206_4.0001.63/1</base:localId><base:namespace>PL.PZGIK.200</base:namespace></base:Identifier></cp:inspireId>
      <cp:label>63/1</cp:label>
      <cp:nationalCadastralReference>143206_4.0001.63/1</cp:nationalCadastralReference>
    </cp:CadastralParcel>
  </wfs:member>
</wfs:FeatureCollection>
